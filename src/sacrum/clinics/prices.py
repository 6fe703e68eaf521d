"""Prices for people: an amount in the clinic's currency, written the clinic's way.

Babel (CLDR data) writes it: ``£75.00``, ``75,00 €``, ``CHF 90.00``, ``JP¥8,000``. The
locale is a billing setting; clinics must not import billing, so billing registers the
look-up here when Django starts (``sacrum.billing.guards.install``). Pages that offer a
service for booking (the public booking pages, the practitioner's directory page, the
staff booking form) and billing's own documents all go through ``format_price``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import format_currency, get_currency_precision

DEFAULT_LOCALE = "en_GB"

# lookup(clinic_id) -> the locale the clinic writes amounts in, e.g. "de_CH".
LocaleLookup = Callable[[Any], str]
_lookups: list[LocaleLookup] = []


def register_locale_lookup(lookup: LocaleLookup) -> None:
    if lookup not in _lookups:
        _lookups.append(lookup)


def locale_of(clinic_id: Any) -> str:
    for lookup in _lookups:
        found = lookup(clinic_id)
        if found:
            return found
    return DEFAULT_LOCALE


def format_price(amount: Decimal, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """``amount`` rounded half up to the currency's minor unit, written for ``locale``."""
    step = Decimal(1).scaleb(-int(get_currency_precision(currency)))
    value = Decimal(amount).quantize(step, rounding=ROUND_HALF_UP)
    return str(format_currency(value, currency, locale=locale))


def price_writer(clinic: Any) -> Callable[[Decimal], str]:
    """A function writing the clinic's prices (the locale looked up once, for a page)."""
    locale = locale_of(clinic.pk)
    currency = clinic.currency

    def write(amount: Decimal) -> str:
        return format_price(amount, currency, locale)

    return write
