"""Money arithmetic: ``Decimal`` rounded to the currency's minor unit, half up.

Every line is rounded once (net, tax, gross) and the document's totals are the sums of
its rounded lines, so the printed lines always add up to the printed total. Formatting
for people goes through Babel (CLDR data) so each locale writes amounts its own way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision, is_currency

from sacrum.clinics.prices import format_price

ZERO = Decimal("0")
HUNDRED = Decimal("100")


def minor_digits(currency: str) -> int:
    """Decimal places of the currency's minor unit (GBP 2, JPY 0, BHD 3)."""
    return int(get_currency_precision(currency))


def known_currency(currency: str) -> bool:
    return bool(currency) and is_currency(currency)


def rounded(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half up to the currency's minor unit."""
    return amount.quantize(Decimal(1).scaleb(-minor_digits(currency)), rounding=ROUND_HALF_UP)


def formatted(amount: Decimal, currency: str, locale: str = "en_GB") -> str:
    """For people: ``£1,234.50``, ``1.234,50 €``, ``JP¥1,235`` (``clinics.prices``)."""
    return format_price(rounded(amount, currency), currency, locale)


@dataclass(frozen=True)
class Amounts:
    net: Decimal
    tax: Decimal
    gross: Decimal

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(self.net + other.net, self.tax + other.tax, self.gross + other.gross)


NOTHING = Amounts(ZERO, ZERO, ZERO)


def line_amounts(
    *,
    quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal,
    tax_rate: Decimal,
    prices_include_tax: bool,
    currency: str,
) -> Amounts:
    """One line's net, tax and gross, each rounded; net + tax == gross always.

    With prices including tax the discounted price is the gross and the tax is taken out
    of it (gross * rate / (100 + rate)); otherwise it is the net and the tax is added.
    """
    base = rounded(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED, currency)
    if prices_include_tax:
        tax = rounded(base * tax_rate / (HUNDRED + tax_rate), currency)
        return Amounts(net=base - tax, tax=tax, gross=base)
    tax = rounded(base * tax_rate / HUNDRED, currency)
    return Amounts(net=base, tax=tax, gross=base + tax)


def total(lines: Iterable[Amounts]) -> Amounts:
    result = NOTHING
    for line in lines:
        result = result + line
    return result
