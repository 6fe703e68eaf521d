"""Billing writes. Each checks the role, runs in one transaction and audits the change.

Numbers: one gapless sequence per clinic for invoices and credit notes together (a
credit note is a document of the same series, so the series has no holes whichever
kind is issued). The number is taken inside the issuing transaction from the clinic's
``NumberCounter`` row, locked with ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite every
write transaction starts with ``BEGIN IMMEDIATE`` (settings), which serialises issuing
just the same. A rolled-back issue rolls its number back with it, so no number is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.changes import apply_changes
from sacrum.access.models import AuditAction
from sacrum.billing import money
from sacrum.billing.models import (
    BillingSettings,
    ClientPackage,
    Fee,
    Invoice,
    InvoiceLine,
    Kind,
    LineKind,
    Method,
    NumberCounter,
    PackageCreditUse,
    Payment,
    PaymentKind,
    ServiceTax,
    Status,
)
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Membership
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Conflict, Locked
from sacrum.kernel.permissions import require
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, AppointmentStatus, ServiceType

SETTINGS_FIELDS = (
    "prices_include_tax",
    "tax_number",
    "default_tax_rate",
    "number_prefix",
    "number_digits",
    "payment_terms_days",
    "invoice_text",
    "locale",
    "invoice_on_completion",
    "package_on_late_cancel",
    "package_on_no_show",
)
MAX_LINES = 100
ZERO = Decimal("0")


def settings_for(clinic_id: Any) -> BillingSettings:
    """The clinic's billing settings, or unsaved defaults (reading never writes)."""
    return BillingSettings.objects.filter(clinic_id=clinic_id).first() or BillingSettings(
        clinic_id=clinic_id
    )


def today_of(clinic: Clinic) -> dt.date:
    """Today in the clinic's own time zone."""
    return local(timezone.now(), zone(clinic.time_zone)).date()


_today = today_of


# --- Settings ---------------------------------------------------------------


@transaction.atomic
def update_settings(*, actor: StaffActor, data: Mapping[str, Any]) -> BillingSettings:
    require(actor, "billing.manage")
    current = settings_for(actor.member.clinic_id)
    changed = apply_changes(current, data, SETTINGS_FIELDS)
    _check_locale(current.locale)
    if changed or current.pk is None:
        current.save()
        audit.record(actor, AuditAction.UPDATE, current)
    return current


def _check_locale(locale: str) -> None:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(locale)
    except (ValueError, TypeError, UnknownLocaleError) as exc:
        raise ValidationError({"locale": "Give a locale such as en_GB, de_DE or fr_CH."}) from exc


@transaction.atomic
def set_service_tax(*, actor: StaffActor, service: ServiceType, rate: Decimal | None) -> None:
    """A service's own tax rate; ``None`` returns it to the clinic's default."""
    require(actor, "billing.manage")
    if service.clinic_id != actor.member.clinic_id:
        raise ValidationError({"service": "Choose a service of this clinic."})
    existing = ServiceTax.objects.filter(service=service).first()
    if rate is None:
        if existing is not None:
            existing.delete()
            audit.record(actor, AuditAction.DELETE, existing)
        return
    row = existing or ServiceTax(clinic_id=service.clinic_id, service=service)
    row.tax_rate = rate
    row.full_clean()
    row.save()
    audit.record(actor, AuditAction.UPDATE, row)


def tax_rate_for(clinic_settings: BillingSettings, service: ServiceType | None) -> Decimal:
    if not clinic_settings.tax_registered:
        return ZERO
    if service is not None:
        own = ServiceTax.objects.filter(service=service).values_list("tax_rate", flat=True).first()
        if own is not None:
            return own
    return clinic_settings.default_tax_rate


# --- Drafts -----------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    description: str
    unit_price: Decimal
    quantity: Decimal = Decimal("1")
    kind: str = LineKind.OTHER
    service: ServiceType | None = None
    tax_rate: Decimal | None = None
    discount_percent: Decimal = ZERO


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: "Give a number."}) from exc
    if not number.is_finite():
        raise ValidationError({field: "Give a number."})
    return number


def _check_line(line: LineInput, currency: str, registered: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not line.description.strip():
        errors["description"] = "Say what the line is for."
    elif len(line.description) > 200:
        errors["description"] = "At most 200 characters."
    quantity = _decimal(line.quantity, "quantity")
    if quantity <= 0:
        errors["quantity"] = "The quantity must be above zero."
    elif quantity != quantity.quantize(Decimal("0.01")) or quantity >= 1_000_000:
        errors["quantity"] = "Give a quantity below a million with at most 2 decimal places."
    price = _decimal(line.unit_price, "unit_price")
    digits = money.minor_digits(currency)
    if price < 0:
        errors["unit_price"] = "A price cannot be negative. Use a credit note to give money back."
    elif price != money.rounded(price, currency) or price >= 1_000_000_000:
        errors["unit_price"] = f"Give a price with at most {digits} decimal places in {currency}."
    if line.tax_rate is not None:
        rate = _decimal(line.tax_rate, "tax_rate")
        if not ZERO <= rate <= 100 or rate != rate.quantize(Decimal("0.01")):
            errors["tax_rate"] = "A tax rate is a percentage from 0 to 100."
        elif rate and not registered:
            errors["tax_rate"] = "The clinic is not registered for tax (billing settings)."
    discount = _decimal(line.discount_percent, "discount_percent")
    if not ZERO <= discount <= 100 or discount != discount.quantize(Decimal("0.01")):
        errors["discount_percent"] = "A discount is a percentage from 0 to 100."
    if line.kind not in LineKind.values:
        errors["kind"] = "A line is a service, a package sale, a fee or another item."
    return errors


def _line_row(invoice: Invoice, line: LineInput, position: int) -> InvoiceLine:
    clinic_settings = settings_for(invoice.clinic_id)
    errors = _check_line(line, invoice.currency, clinic_settings.tax_registered)
    if line.service is not None and line.service.clinic_id != invoice.clinic_id:
        errors["service"] = "Choose a service of this clinic."
    if errors:
        raise ValidationError(errors)
    rate = (
        Decimal(str(line.tax_rate))
        if line.tax_rate is not None
        else tax_rate_for(clinic_settings, line.service)
    )
    row = InvoiceLine(
        invoice=invoice,
        position=position,
        kind=line.kind,
        description=line.description.strip(),
        service=line.service,
        quantity=Decimal(str(line.quantity)),
        unit_price=Decimal(str(line.unit_price)),
        tax_rate=rate,
        discount_percent=Decimal(str(line.discount_percent)),
    )
    _price(row, invoice)
    return row


def _price(row: InvoiceLine, invoice: Invoice) -> None:
    amounts = money.line_amounts(
        quantity=row.quantity,
        unit_price=row.unit_price,
        discount_percent=row.discount_percent,
        tax_rate=row.tax_rate,
        prices_include_tax=invoice.prices_include_tax,
        currency=invoice.currency,
    )
    row.net, row.tax, row.gross = amounts.net, amounts.tax, amounts.gross


def _retotal(invoice: Invoice) -> None:
    lines = list(InvoiceLine.objects.filter(invoice=invoice))
    sums = money.total(money.Amounts(x.net, x.tax, x.gross) for x in lines)
    invoice.net_total, invoice.tax_total, invoice.total = sums.net, sums.tax, sums.gross
    invoice.save(update_fields=["net_total", "tax_total", "total"])


def _require_draft(invoice: Invoice) -> None:
    if invoice.status != Status.DRAFT:
        raise Locked("An issued invoice never changes. Issue a credit note instead.")


def _new_draft(clinic: Clinic, client: Client, **extra: Any) -> Invoice:
    clinic_settings = settings_for(clinic.pk)
    invoice = Invoice(
        clinic=clinic,
        client=client,
        currency=clinic.currency,
        prices_include_tax=clinic_settings.prices_include_tax,
        **extra,
    )
    invoice.save()
    return invoice


@transaction.atomic
def create_invoice(
    *, actor: StaffActor, client: Client, lines: Iterable[LineInput] = ()
) -> Invoice:
    """A free draft invoice for a client, with any lines given."""
    require(actor, "billing.edit")
    if client.clinic_id != actor.member.clinic_id or client.erased_at is not None:
        raise ValidationError({"client": "Choose a client of this clinic."})
    lines = list(lines)
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": f"At most {MAX_LINES} lines."})
    invoice = _new_draft(actor.member.clinic, client)
    _add_lines(invoice, lines)
    audit.record(actor, AuditAction.CREATE, invoice)
    return invoice


def _add_lines(invoice: Invoice, lines: list[LineInput]) -> None:
    start = InvoiceLine.objects.filter(invoice=invoice).count()
    for index, line in enumerate(lines):
        try:
            _line_row(invoice, line, start + index).save()
        except ValidationError as exc:
            if len(lines) == 1 or not hasattr(exc, "error_dict"):
                raise
            raise ValidationError(
                {f"lines.{index}.{k}": v for k, v in exc.message_dict.items()}
            ) from exc
    _retotal(invoice)


@transaction.atomic
def add_line(*, actor: StaffActor, invoice: Invoice, line: LineInput) -> InvoiceLine:
    require(actor, "billing.edit")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _require_draft(invoice)
    if InvoiceLine.objects.filter(invoice=invoice).count() >= MAX_LINES:
        raise ValidationError({"description": f"At most {MAX_LINES} lines."})
    _add_lines(invoice, [line])
    added = InvoiceLine.objects.filter(invoice=invoice).order_by("-position").first()
    assert added is not None
    audit.record(actor, AuditAction.UPDATE, invoice)
    return added


@transaction.atomic
def remove_line(*, actor: StaffActor, line: InvoiceLine) -> None:
    """Take a line off a draft. A fee's line leaves the fee *not invoiced* (it can be put
    on a draft again or waived); a package sale's line revokes the unused package."""
    require(actor, "billing.edit")
    invoice = Invoice.objects.select_for_update().get(pk=line.invoice_id)
    _require_draft(invoice)
    if line.kind == LineKind.PACKAGE:
        _revoke_packages(actor, invoice, doing="remove this line")
    _unbill_fees(actor, Fee.objects.filter(line=line))
    line.delete()
    _retotal(invoice)
    audit.record(actor, AuditAction.UPDATE, invoice)


@transaction.atomic
def delete_draft(*, actor: StaffActor, invoice: Invoice) -> None:
    """Delete a draft. Its fees go back to *not invoiced*; a package it sold is revoked
    (refused when credits of that package were used already)."""
    require(actor, "billing.edit")
    _require_draft(invoice)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    _require_draft(invoice)
    _revoke_packages(actor, invoice, doing="delete this draft")
    _unbill_fees(actor, Fee.objects.filter(invoice=invoice))
    audit.record(actor, AuditAction.DELETE, invoice)
    invoice.delete()


def _unbill_fees(actor: StaffActor, fees: Any) -> None:
    """Fees whose line goes away are *not invoiced* again (never silently lost)."""
    for fee in fees.select_for_update():
        fee.invoice = None
        fee.line = None
        fee.save(update_fields=["invoice", "line"])
        audit.record(actor, AuditAction.UPDATE, fee)


def _revoke_packages(
    actor: StaffActor,
    invoice: Invoice,
    *,
    doing: str,
    instead: str = "issue a credit note for the part not owed instead",
) -> None:
    """The packages sold on ``invoice`` can no longer be used; refused (``Conflict``) when
    any of their credits was used already, since those sessions were paid by the sale."""
    sold = list(
        ClientPackage.objects.select_for_update().filter(invoice=invoice, revoked_at__isnull=True)
    )
    used = [p for p in sold if p.used > 0]
    if used:
        names = ", ".join(f"“{p.name}” ({p.used} of {p.sessions} used)" for p in used)
        raise Conflict(
            f"Credits of the package sold on this invoice were used already: {names}. "
            f"You cannot {doing}; {instead}."
        )
    now = timezone.now()
    for package in sold:
        package.revoked_at = now
        package.save(update_fields=["revoked_at"])
        audit.record(actor, AuditAction.UPDATE, package)


def _appointment_line(appointment: Appointment) -> LineInput:
    """The service at its price, or at zero when a package credit paid for it."""
    service = appointment.service
    local_day = local(appointment.start, zone(appointment.location.time_zone)).date()
    description = f"{service.name}, {local_day:%d %b %Y}"
    price = service.price
    use = PackageCreditUse.objects.filter(appointment=appointment).select_related("package")
    covered = use.first()
    if covered is not None:
        description = f"{description}, covered by package “{covered.package.name}”"[:200]
        price = ZERO
    return LineInput(
        kind=LineKind.SERVICE, description=description, service=service, unit_price=price
    )


def invoice_for_appointment(*, actor: StaffActor, appointment: Appointment) -> Invoice:
    """A draft for a completed appointment; the live one when it has one already."""
    require(actor, "billing.edit")
    if appointment.clinic_id != actor.member.clinic_id:
        raise ValidationError({"appointment": "Choose an appointment of this clinic."})
    if appointment.status != AppointmentStatus.COMPLETED:
        raise ValidationError(
            {"appointment": "Only a completed appointment is invoiced (mark it completed first)."}
        )
    existing = _live_invoice_of(appointment)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            invoice = _new_draft(appointment.clinic, appointment.client, appointment=appointment)
            _add_lines(invoice, [_appointment_line(appointment)])
            audit.record(actor, AuditAction.CREATE, invoice)
    except IntegrityError:
        found = _live_invoice_of(appointment)
        if found is None:
            raise
        return found
    return invoice


def _live_invoice_of(appointment: Appointment) -> Invoice | None:
    return (
        Invoice.objects.filter(appointment=appointment, kind=Kind.INVOICE)
        .exclude(status=Status.VOID)
        .first()
    )


def invoice_completed_appointment(*, appointment: Appointment) -> Invoice | None:
    """The clinic's automatic draft on completion (a setting); nothing when it is off."""
    if not settings_for(appointment.clinic_id).invoice_on_completion:
        return None
    if _live_invoice_of(appointment) is not None:
        return None
    with transaction.atomic():
        invoice = _new_draft(appointment.clinic, appointment.client, appointment=appointment)
        _add_lines(invoice, [_appointment_line(appointment)])
        audit.record(Actor.system(via="worker"), AuditAction.CREATE, invoice, clinic=invoice.clinic)
    return invoice


# --- Issuing ----------------------------------------------------------------


def _next_number(clinic_id: Any) -> int:
    """Take the next number: the counter row stays locked until the transaction ends."""
    NumberCounter.objects.get_or_create(clinic_id=clinic_id)
    counter = NumberCounter.objects.select_for_update().get(clinic_id=clinic_id)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _issue_locked(invoice: Invoice, by: Any, on: dt.date | None = None) -> None:
    """Number, freeze and issue a draft already locked in this transaction."""
    clinic = invoice.clinic
    clinic_settings = settings_for(clinic.pk)
    if not InvoiceLine.objects.filter(invoice=invoice).exists():
        raise ValidationError({"lines": "Add at least one line before issuing."})
    invoice.currency = clinic.currency
    for row in InvoiceLine.objects.filter(invoice=invoice):
        _price(row, invoice)
        row.save()
    lines = list(InvoiceLine.objects.filter(invoice=invoice))
    sums = money.total(money.Amounts(x.net, x.tax, x.gross) for x in lines)
    invoice.net_total, invoice.tax_total, invoice.total = sums.net, sums.tax, sums.gross
    number = _next_number(clinic.pk)
    today = on or _today(clinic)
    invoice.number = number
    invoice.number_text = clinic_settings.format_number(number)
    invoice.status = Status.ISSUED
    invoice.issued_at = timezone.now() if on is None else _noon(today, clinic)
    invoice.issued_on = today
    invoice.due_on = today + dt.timedelta(days=clinic_settings.payment_terms_days)
    invoice.issued_by = by
    invoice.bill_to = invoice.client.full_name[:200]
    invoice.tax_number = clinic_settings.tax_number
    invoice.footer = clinic_settings.invoice_text
    invoice.save()


def _noon(day: dt.date, clinic: Clinic) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=zone(clinic.time_zone))


def issue(*, actor: StaffActor, invoice: Invoice, on: dt.date | None = None) -> Invoice:
    """Give a draft its number and freeze it. Issuing an issued invoice is a 409.

    ``on`` dates the invoice on an earlier day (the demo's past sessions); never later
    than today, and not before the clinic's last issued document (numbers and dates
    run in the same order)."""
    require(actor, "billing.edit")
    with transaction.atomic():
        locked = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("clinic", "client")
            .get(pk=invoice.pk)
        )
        if locked.status != Status.DRAFT:
            raise Conflict(f"This invoice was issued already ({locked.number_text}).")
        if on is not None:
            if on > _today(locked.clinic):
                raise ValidationError({"issued_on": "An invoice cannot be dated in the future."})
            last = (
                Invoice.objects.filter(clinic_id=locked.clinic_id, issued_on__isnull=False)
                .order_by("-issued_on")
                .values_list("issued_on", flat=True)
                .first()
            )
            if last is not None and on < last:
                raise ValidationError(
                    {"issued_on": f"The clinic issued a document on {last:%d %b %Y} already."}
                )
        _issue_locked(locked, actor.user, on)
        audit.record(actor, AuditAction.SIGN, locked)
    return locked


@transaction.atomic
def void_invoice(*, actor: StaffActor, invoice: Invoice, reason: str) -> Invoice:
    """An issued invoice nobody has paid or credited becomes void; it keeps its number."""
    require(actor, "billing.edit")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the invoice is void."})
    if len(reason) > 300:
        raise ValidationError({"reason": "At most 300 characters."})
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status == Status.DRAFT:
        raise Conflict("A draft is deleted, not voided.")
    if locked.status == Status.VOID:
        raise Conflict("This invoice is void already.")
    if locked.kind != Kind.INVOICE:
        raise Conflict("A credit note is not voided.")
    referred = Payment.objects.filter(invoice=locked).exists()
    if referred or Invoice.objects.filter(credits=locked).exists():
        raise Conflict(
            "Payments or credit notes refer to this invoice. Issue a credit note instead."
        )
    _revoke_packages(actor, locked, doing="void it")
    locked.status = Status.VOID
    locked.void_reason = reason
    locked.voided_at = timezone.now()
    locked.voided_by = actor.user
    locked.save(update_fields=["status", "void_reason", "voided_at", "voided_by"])
    audit.record(actor, AuditAction.UPDATE, locked)
    return locked


def credit_note(
    *,
    actor: StaffActor,
    invoice: Invoice,
    reason: str,
    line_ids: Iterable[Any] | None = None,
) -> Invoice:
    """Issue a credit note for some or all lines of an issued invoice (never more than its
    total, with earlier credit notes counted). It takes the next number of the series.
    Crediting a package sale revokes the package (refused once any credit was used)."""
    require(actor, "billing.edit")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the invoice is corrected."})
    if len(reason) > 300:
        raise ValidationError({"reason": "At most 300 characters."})
    with transaction.atomic():
        original = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("clinic")
            .get(pk=invoice.pk)
        )
        if original.kind != Kind.INVOICE or original.status != Status.ISSUED:
            raise Conflict("Only an issued invoice is corrected with a credit note.")
        lines = list(InvoiceLine.objects.filter(invoice=original))
        if line_ids is not None:
            wanted = {str(x) for x in line_ids}
            lines = [x for x in lines if str(x.pk) in wanted]
            if not lines or len(lines) != len(wanted):
                raise ValidationError({"lines": "Choose lines of this invoice."})
        if any(x.kind == LineKind.PACKAGE for x in lines):
            # The sale is undone: its package can no longer be used (as when voided).
            _revoke_packages(
                actor,
                original,
                doing="credit the package sale in full",
                instead="record a refund of the part not owed instead",
            )
        amount = sum((x.gross for x in lines), ZERO)
        if amount + credited_on(original) > original.total:
            raise ValidationError(
                {"lines": "Together with earlier credit notes this is more than the invoice."}
            )
        note = Invoice(
            clinic=original.clinic,
            client_id=original.client_id,
            kind=Kind.CREDIT_NOTE,
            credits=original,
            currency=original.currency,
            prices_include_tax=original.prices_include_tax,
            reason=reason,
        )
        note.save()
        for position, line in enumerate(lines):
            InvoiceLine(
                invoice=note,
                position=position,
                kind=line.kind,
                description=line.description,
                service_id=line.service_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                discount_percent=line.discount_percent,
                net=line.net,
                tax=line.tax,
                gross=line.gross,
            ).save()
        _issue_locked(note, actor.user)
        audit.record(actor, AuditAction.SIGN, note)
    return note


# --- Amounts ----------------------------------------------------------------


def paid_on(invoice: Invoice) -> Decimal:
    """Payments towards the invoice less what was refunded of them."""
    paid = Payment.objects.filter(invoice=invoice, kind=PaymentKind.PAYMENT).aggregate(
        s=Sum("amount")
    )["s"]
    refunded = Payment.objects.filter(
        refund_of__invoice=invoice, kind=PaymentKind.REFUND
    ).aggregate(s=Sum("amount"))["s"]
    return (paid or ZERO) - (refunded or ZERO)


def credited_on(invoice: Invoice) -> Decimal:
    total = Invoice.objects.filter(
        credits=invoice, kind=Kind.CREDIT_NOTE, status=Status.ISSUED
    ).aggregate(s=Sum("total"))["s"]
    return total or ZERO


def outstanding_on(invoice: Invoice) -> Decimal:
    if invoice.status != Status.ISSUED or invoice.kind != Kind.INVOICE:
        return ZERO
    return invoice.total - credited_on(invoice) - paid_on(invoice)


def refundable(payment: Payment) -> Decimal:
    refunded = Payment.objects.filter(refund_of=payment).aggregate(s=Sum("amount"))["s"]
    return payment.amount - (refunded or ZERO)


# --- Payments ---------------------------------------------------------------


def _amount(value: Any, currency: str, field: str = "amount") -> Decimal:
    amount = _decimal(value, field)
    if amount <= 0:
        raise ValidationError({field: "Give an amount above zero."})
    if amount != money.rounded(amount, currency) or amount >= 1_000_000_000:
        digits = money.minor_digits(currency)
        raise ValidationError(
            {field: f"Give an amount with at most {digits} decimal places in {currency}."}
        )
    return amount


@dataclass(frozen=True)
class PaymentInput:
    amount: Decimal
    method: str
    received_on: dt.date | None = None
    invoice: Invoice | None = None
    external_reference: str = ""
    note: str = ""


def record_payment(*, actor: StaffActor, client: Client, payment: PaymentInput) -> Payment:
    """Money received, towards an invoice or on account (credit).

    With an ``external_reference`` (a terminal's or payment link's id) the call is
    idempotent: the same reference again returns the payment recorded the first time.
    """
    require(actor, "billing.edit")
    clinic = actor.member.clinic
    reference = payment.external_reference.strip()
    if len(reference) > 100:
        raise ValidationError({"external_reference": "At most 100 characters."})
    if reference:
        earlier = Payment.objects.filter(clinic=clinic, external_reference=reference).first()
        if earlier is not None:
            return _same_or_conflict(earlier, client, payment)
    if client.clinic_id != clinic.pk or client.erased_at is not None:
        raise ValidationError({"client": "Choose a client of this clinic."})
    if payment.method not in Method.values:
        raise ValidationError({"method": "Cash, card at a terminal, bank transfer or other."})
    amount = _amount(payment.amount, clinic.currency)
    received_on = payment.received_on or _today(clinic)
    if received_on > _today(clinic):
        raise ValidationError({"received_on": "A payment cannot be received in the future."})
    try:
        with transaction.atomic():
            invoice = None
            if payment.invoice is not None:
                invoice = Invoice.objects.select_for_update().get(pk=payment.invoice.pk)
                if invoice.client_id != client.pk or invoice.clinic_id != clinic.pk:
                    raise ValidationError({"invoice": "This invoice is another client's."})
                if invoice.kind != Kind.INVOICE or invoice.status != Status.ISSUED:
                    raise ValidationError({"invoice": "Payments go towards an issued invoice."})
                left = outstanding_on(invoice)
                if amount > left:
                    raise ValidationError(
                        {
                            "amount": f"Only {money.formatted(max(left, ZERO), invoice.currency)} "
                            "is outstanding on this invoice; record the rest on account."
                        }
                    )
            row = Payment(
                clinic=clinic,
                client=client,
                invoice=invoice,
                kind=PaymentKind.PAYMENT,
                method=payment.method,
                amount=amount,
                currency=clinic.currency,
                received_on=received_on,
                external_reference=reference,
                note=payment.note.strip()[:300],
                recorded_by=actor.user,
            )
            row.save()
            audit.record(actor, AuditAction.CREATE, row)
    except IntegrityError:
        earlier = Payment.objects.filter(clinic=clinic, external_reference=reference).first()
        if not reference or earlier is None:
            raise
        return _same_or_conflict(earlier, client, payment)
    return row


def _same_or_conflict(earlier: Payment, client: Client, payment: PaymentInput) -> Payment:
    same = (
        earlier.client_id == client.pk
        and earlier.amount == _decimal(payment.amount, "amount")
        and earlier.invoice_id == (payment.invoice.pk if payment.invoice else None)
    )
    if not same:
        raise Conflict("A different payment was recorded with this reference already.")
    return earlier


def refund(
    *, actor: StaffActor, payment: Payment, amount: Any, method: str, note: str = ""
) -> Payment:
    """Pay back part or all of a payment; never more than is left of it."""
    require(actor, "billing.edit")
    clinic = actor.member.clinic
    value = _amount(amount, payment.currency)
    if method not in Method.values:
        raise ValidationError({"method": "Cash, card at a terminal, bank transfer or other."})
    with transaction.atomic():
        original = Payment.objects.select_for_update().get(pk=payment.pk)
        if original.kind != PaymentKind.PAYMENT:
            raise ValidationError({"payment": "A refund refers to a payment."})
        left = refundable(original)
        if value > left:
            raise ValidationError(
                {
                    "amount": "A refund cannot be more than what is left of the payment "
                    f"({money.formatted(left, original.currency)})."
                }
            )
        row = Payment(
            clinic=clinic,
            client_id=original.client_id,
            kind=PaymentKind.REFUND,
            refund_of=original,
            method=method,
            amount=value,
            currency=original.currency,
            received_on=_today(clinic),
            note=note.strip()[:300],
            recorded_by=actor.user,
        )
        row.save()
        audit.record(actor, AuditAction.CREATE, row)
    return row


def practitioner_name(member: Membership | None) -> str:
    if member is None:
        return ""
    profile = getattr(member, "practitioner_profile", None)
    return (profile.display_name if profile else "") or member.user.display_name
