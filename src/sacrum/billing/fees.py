"""Late-cancellation and no-show fees: amounts per service, a fee line on a draft invoice of
the client when an appointment is cancelled late by the client or marked no-show, and
waiving a fee with a reason (audited).

A package credit, when the clinic's policy uses one for the same event, takes the place
of the fee. A fee is charged once per appointment (``Fee.appointment`` is unique).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.billing import money
from sacrum.billing.models import (
    Fee,
    FeeKind,
    Invoice,
    InvoiceLine,
    Kind,
    LineKind,
    PackageCreditUse,
    ServiceFee,
    Status,
)
from sacrum.billing.packages import late_by_client
from sacrum.billing.services import LineInput, _add_lines, _new_draft, _retotal
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.permissions import require
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, AppointmentStatus, ServiceType

ZERO = Decimal("0")


def _fee_amount(value: Any, currency: str, field: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except ArithmeticError as exc:
        raise ValidationError({field: "Give an amount."}) from exc
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: "A fee is zero (none) or more."})
    if amount != money.rounded(amount, currency) or amount >= 1_000_000_000:
        raise ValidationError(
            {field: f"Give at most {money.minor_digits(currency)} decimal places in {currency}."}
        )
    return amount


@transaction.atomic
def set_service_fees(
    *, actor: StaffActor, service: ServiceType, late_cancel_fee: Any, no_show_fee: Any
) -> ServiceFee:
    """A service's fees (zero: none)."""
    require(actor, "billing.manage")
    if service.clinic_id != actor.member.clinic_id:
        raise ValidationError({"service": "Choose a service of this clinic."})
    currency = actor.member.clinic.currency
    late = _fee_amount(late_cancel_fee, currency, "late_cancel_fee")
    missed = _fee_amount(no_show_fee, currency, "no_show_fee")
    row = ServiceFee.objects.filter(service=service).first() or ServiceFee(
        clinic_id=service.clinic_id, service=service
    )
    if row.pk is None or (row.late_cancel_fee, row.no_show_fee) != (late, missed):
        row.late_cancel_fee, row.no_show_fee = late, missed
        row.save()
        audit.record(actor, AuditAction.UPDATE, row)
    return row


def fees_by_service(clinic_id: Any) -> dict[Any, ServiceFee]:
    return {f.service_id: f for f in ServiceFee.objects.filter(clinic_id=clinic_id)}


def _kind_of(appointment: Appointment) -> str | None:
    if appointment.status == AppointmentStatus.NO_SHOW:
        return FeeKind.NO_SHOW
    if late_by_client(appointment):
        return FeeKind.LATE_CANCEL
    return None


def _draft_for(appointment: Appointment) -> Invoice:
    """The client's newest draft invoice not made for another appointment, or a new one."""
    found = (
        Invoice.objects.select_for_update()
        .filter(
            clinic_id=appointment.clinic_id,
            client_id=appointment.client_id,
            kind=Kind.INVOICE,
            status=Status.DRAFT,
            appointment__isnull=True,
        )
        .order_by("-created_at")
        .first()
    )
    return found or _new_draft(appointment.clinic, appointment.client)


def charge(*, appointment: Appointment) -> Fee | None:
    """Add the service's fee for a no-show or a late cancellation by the client, once.

    Nothing when the service has no such fee, or a package credit was used instead.
    Runs inside the transaction that changes the appointment.
    """
    kind = _kind_of(appointment)
    if kind is None or Fee.objects.filter(appointment=appointment).exists():
        return None
    if PackageCreditUse.objects.filter(appointment=appointment).exists():
        return None
    fees = ServiceFee.objects.filter(service_id=appointment.service_id).first()
    amount = (
        ZERO
        if fees is None
        else fees.no_show_fee
        if kind == FeeKind.NO_SHOW
        else fees.late_cancel_fee
    )
    if amount <= 0:
        return None
    day = local(appointment.start, zone(appointment.location.time_zone)).date()
    label = FeeKind(kind).label
    try:
        with transaction.atomic():
            invoice = _draft_for(appointment)
            _add_lines(
                invoice,
                [
                    LineInput(
                        kind=LineKind.FEE,
                        description=f"{label}: {appointment.service.name}, {day:%d %b %Y}"[:200],
                        unit_price=amount,
                    )
                ],
            )
            line = InvoiceLine.objects.filter(invoice=invoice).order_by("-position").first()
            fee = Fee.objects.create(
                clinic_id=appointment.clinic_id,
                client_id=appointment.client_id,
                appointment=appointment,
                kind=kind,
                amount=amount,
                invoice=invoice,
                line=line,
            )
            system = Actor.system(via="worker")
            audit.record(system, AuditAction.UPDATE, invoice, clinic=appointment.clinic)
            audit.record(system, AuditAction.CREATE, fee, clinic=appointment.clinic)
    except IntegrityError:
        return Fee.objects.filter(appointment=appointment).first()
    return fee


def waive(*, actor: StaffActor, fee: Fee, reason: str) -> Fee:
    """Waive a fee with a reason: its line leaves the draft invoice; the fee row stays.

    A fee already on an issued invoice is corrected with a credit note instead (409).
    """
    require(actor, "billing.edit")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the fee is waived."})
    if len(reason) > 300:
        raise ValidationError({"reason": "At most 300 characters."})
    with transaction.atomic():
        locked = Fee.objects.select_for_update().get(pk=fee.pk)
        if locked.waived_at is not None:
            raise Conflict("This fee was waived already.")
        if locked.line_id is not None and locked.invoice_id is not None:
            invoice = Invoice.objects.select_for_update().get(pk=locked.invoice_id)
            if invoice.status != Status.DRAFT:
                raise Conflict(
                    f"The fee is on issued invoice {invoice.number_text}. "
                    "Issue a credit note for its line instead."
                )
            InvoiceLine.objects.filter(id=locked.line_id).delete()
            _retotal(invoice)
            audit.record(actor, AuditAction.UPDATE, invoice)
        locked.line = None
        locked.waived_at = timezone.now()
        locked.waived_by = actor.user
        locked.waive_reason = reason
        locked.save()
        audit.record(actor, AuditAction.UPDATE, locked)
    return locked


def put_on_invoice(*, actor: StaffActor, fee: Fee) -> Fee:
    """A fee that is *not invoiced* (its draft was deleted, or its line removed) goes on the
    client's newest draft invoice not made for an appointment (or a new draft)."""
    require(actor, "billing.edit")
    with transaction.atomic():
        locked = Fee.objects.select_for_update().get(pk=fee.pk)
        if locked.waived_at is not None:
            raise Conflict("This fee was waived.")
        if locked.invoice_id is not None:
            raise Conflict("This fee is on an invoice already.")
        appointment = Appointment.objects.select_related(
            "service", "location", "client", "clinic"
        ).get(pk=locked.appointment_id)
        invoice = _draft_for(appointment)
        day = local(appointment.start, zone(appointment.location.time_zone)).date()
        label = FeeKind(locked.kind).label
        _add_lines(
            invoice,
            [
                LineInput(
                    kind=LineKind.FEE,
                    description=f"{label}: {appointment.service.name}, {day:%d %b %Y}"[:200],
                    unit_price=locked.amount,
                )
            ],
        )
        locked.invoice = invoice
        locked.line = InvoiceLine.objects.filter(invoice=invoice).order_by("-position").first()
        locked.save(update_fields=["invoice", "line"])
        audit.record(actor, AuditAction.UPDATE, invoice)
        audit.record(actor, AuditAction.UPDATE, locked)
    return locked


def fees_for(actor: StaffActor, *, client_id: Any = None) -> QuerySet[Fee]:
    qs = Fee.objects.for_member(actor.member, "view").select_related(
        "clinic", "appointment__service", "invoice", "waived_by"
    )
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return qs.order_by("-created_at")


def fee_for(actor: StaffActor, fee_id: Any) -> Fee:
    return get_scoped_or_404(fees_for(actor), pk=fee_id)
