"""Factories for billing's id names, used by the cross-cutting route tests
(``tests/access/objects.py`` lists them in its FACTORIES)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from sacrum.billing import fees, packages, services

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


def package_type(w: Stillwater) -> Any:
    service = w.object("service_id")
    return packages.create_package_type(
        actor=w.owner.actor,
        data={"name": "5 sessions", "sessions": 5, "price": Decimal("300"), "valid_days": 90},
        service_ids=[service.pk],
    )


def fee(w: Stillwater) -> Any:
    """A no-show fee on a draft invoice (the service's fee set first)."""
    from sacrum.billing.models import Fee
    from sacrum.scheduling.models import Appointment
    from sacrum.scheduling.services import booking

    service = w.object("service_id")
    fees.set_service_fees(
        actor=w.owner.actor,
        service=service,  # type: ignore[arg-type]
        late_cancel_fee=Decimal("30"),
        no_show_fee=Decimal("40"),
    )
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=3)
    end = start + dt.timedelta(minutes=50)
    missed = Appointment.objects.create(
        clinic=w.owner.clinic,
        client=w.object("client_id"),  # type: ignore[misc]
        practitioner=w.practitioner.member,
        service=service,
        location=w.object("location_id"),
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
    )
    booking.change_status(actor=w.owner.actor, appointment=missed, status="no_show")
    return Fee.objects.get(appointment=missed)


def diagnosis(w: Stillwater) -> Any:
    """A diagnosis code of the client (for statements for insurance)."""
    from sacrum.billing import superbill

    return superbill.add_diagnosis(
        actor=w.owner.actor,
        client=w.object("client_id"),  # type: ignore[arg-type]
        code="M54.2",
        description="Cervicalgia",
    )


FACTORIES = {
    "invoice_id": invoice,
    "payment_id": payment,
    "package_type_id": package_type,
    "fee_id": fee,
    "diagnosis_id": diagnosis,
}
