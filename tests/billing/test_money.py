"""Property-based tests of the money arithmetic: lines add up, tax is consistent, amounts
are whole minor units of their currency, and refunds never exceed what was paid."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sacrum.billing import money, services
from sacrum.billing.models import Payment
from sacrum.clients.models import Client
from tests.conftest import Persona

CURRENCIES = st.sampled_from(["GBP", "EUR", "CHF", "JPY", "BHD", "USD"])
RATES = st.decimals(min_value=0, max_value=100, places=2)
PERCENT = st.decimals(min_value=0, max_value=100, places=2)
QUANTITY = st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2)


@st.composite
def priced(draw: Any) -> tuple[str, Decimal]:
    currency = draw(CURRENCIES)
    digits = money.minor_digits(currency)
    price = draw(st.decimals(min_value=0, max_value=100_000, places=digits))
    return currency, price


@given(priced(), QUANTITY, PERCENT, RATES, st.booleans())
def test_a_line_is_whole_minor_units_and_adds_up(
    cp: tuple[str, Decimal], quantity: Decimal, discount: Decimal, rate: Decimal, included: bool
) -> None:
    currency, price = cp
    line = money.line_amounts(
        quantity=quantity,
        unit_price=price,
        discount_percent=discount,
        tax_rate=rate,
        prices_include_tax=included,
        currency=currency,
    )
    for amount in (line.net, line.tax, line.gross):
        assert amount == money.rounded(amount, currency)
        assert amount >= 0
    assert line.net + line.tax == line.gross
    exact = quantity * price * (100 - discount) / 100
    unit = Decimal(1).scaleb(-money.minor_digits(currency))
    if included:
        assert abs(line.gross - exact) <= unit / 2
        # the tax taken out is the rate's share of the gross, to the minor unit
        assert abs(line.tax - line.gross * rate / (100 + rate)) <= unit / 2
    else:
        assert abs(line.net - exact) <= unit / 2
        assert abs(line.tax - line.net * rate / 100) <= unit / 2


@given(st.lists(st.tuples(priced(), QUANTITY, RATES), min_size=1, max_size=8), st.booleans())
def test_totals_are_the_sums_of_their_lines(lines: list[Any], included: bool) -> None:
    currency = lines[0][0][0]
    amounts = [
        money.line_amounts(
            quantity=q,
            unit_price=money.rounded(p, currency),
            discount_percent=Decimal(0),
            tax_rate=r,
            prices_include_tax=included,
            currency=currency,
        )
        for (_c, p), q, r in lines
    ]
    total = money.total(amounts)
    assert total.gross == sum(a.gross for a in amounts)
    assert total.net + total.tax == total.gross


@pytest.mark.parametrize(
    ("currency", "amount", "expected"),
    [
        ("GBP", "2.675", "2.68"),
        ("JPY", "1234.5", "1235"),
        ("BHD", "1.0005", "1.001"),
        ("EUR", "0.005", "0.01"),
    ],
)
def test_rounding_is_half_up_to_the_minor_unit(currency: str, amount: str, expected: str) -> None:
    assert money.rounded(Decimal(amount), currency) == Decimal(expected)


def test_formatting_follows_the_locale() -> None:
    assert money.formatted(Decimal("1234.5"), "GBP") == "£1,234.50"
    assert money.formatted(Decimal("1234.5"), "EUR", "de_DE") == "1.234,50\xa0€"
    assert money.formatted(Decimal("1234.5"), "JPY", "en_GB") == "JP¥1,235"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    paid=st.integers(min_value=1, max_value=100_00),
    asks=st.lists(st.integers(min_value=1, max_value=100_00), min_size=1, max_size=6),
)
def test_refunds_never_exceed_what_was_paid(
    owner: Persona, a_client: Client, paid: int, asks: list[int]
) -> None:
    payment = services.record_payment(
        actor=owner.actor,
        client=a_client,
        payment=services.PaymentInput(amount=Decimal(paid) / 100, method="cash"),
    )
    for ask in asks:
        with contextlib.suppress(ValidationError):
            services.refund(
                actor=owner.actor, payment=payment, amount=Decimal(ask) / 100, method="cash"
            )
    refunded = sum(r.amount for r in Payment.objects.filter(refund_of=payment))
    assert refunded <= payment.amount
    assert services.refundable(payment) >= 0
