"""Factories for billing's id names, used by the cross-cutting route tests
(``tests/access/objects.py`` lists them in its FACTORIES)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sacrum.billing import services

if TYPE_CHECKING:
    from tests.access.objects import Stillwater


def invoice(w: Stillwater) -> Any:
    """A draft invoice of one line (drafts take every action a route offers)."""
    return services.create_invoice(
        actor=w.owner.actor,
        client=w.object("client_id"),  # type: ignore[arg-type]
        lines=[services.LineInput(description="Follow-up session", unit_price=Decimal("70"))],
    )


def payment(w: Stillwater) -> Any:
    return services.record_payment(
        actor=w.owner.actor,
        client=w.object("client_id"),  # type: ignore[arg-type]
        payment=services.PaymentInput(amount=Decimal("40"), method="cash"),
    )


FACTORIES = {"invoice_id": invoice, "payment_id": payment}
