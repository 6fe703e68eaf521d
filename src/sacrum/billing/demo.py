"""Demo billing: settings, the completed sessions of the last months invoiced and mostly
paid (cash, card, transfer), a few left outstanding, and one credit note; two session
packages (one sold to a client with visits ahead), fees per service and one no-show fee
waived with a reason.

Each invoice is issued on its session's day (``issue(on=…)``, in session order so numbers
and dates run together) and paid that day, so the demo's invoices spread over the months
before it was seeded; the credit note is issued on the seeding day.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from sacrum.billing import fees, packages, services, superbill
from sacrum.billing.models import Invoice
from sacrum.kernel.actor import Actor
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, AppointmentStatus, ServiceType

ORDER = 65
METHODS = ("card", "cash", "transfer", "card")


def seed(ctx: dict[str, Any]) -> str:
    clinic = ctx["clinic"]
    if Invoice.objects.filter(clinic=clinic).exists():
        return "Billing: already seeded."
    owner = ctx["members"]["owner"]
    actor = Actor.system(owner, via="demo")
    services.update_settings(
        actor=actor,
        data={
            "tax_number": "",
            "payment_terms_days": 14,
            "invoice_text": "Thank you. Please pay by bank transfer to Stillwater Practice, "
            "sort code 00-00-00, account 12345678, quoting the invoice number.",
        },
    )
    done = list(
        Appointment.objects.filter(
            clinic=clinic, status=AppointmentStatus.COMPLETED, start__lt=timezone.now()
        )
        .select_related("service", "location", "client", "clinic")
        .order_by("start")
    )
    # At most 60, taken evenly from the first session to the last: months of invoices.
    completed = done[:: max(1, -(-len(done) // 60))][:60]
    paid = credited = 0
    to_credit = None
    for index, appointment in enumerate(completed):
        local_day = local(appointment.start, zone(appointment.location.time_zone)).date()
        invoice = services.invoice_for_appointment(actor=actor, appointment=appointment)
        invoice = services.issue(actor=actor, invoice=invoice, on=local_day)
        if index == 3:
            to_credit = invoice
            continue
        if index % 7 == 6 or invoice.total == 0:
            continue  # left outstanding
        services.record_payment(
            actor=actor,
            client=appointment.client,
            payment=services.PaymentInput(
                amount=invoice.total,
                method=METHODS[index % len(METHODS)],
                received_on=local_day,
                invoice=invoice,
            ),
        )
        paid += 1
    _codes(clinic, actor, completed)
    if to_credit is not None:
        services.credit_note(actor=actor, invoice=to_credit, reason="Session cut short: goodwill")
        credited += 1
    extras = _packages_and_fees(clinic, actor)
    return (
        f"Billing: {len(completed)} invoices, {paid} paid, {credited} credit note, "
        f"{len(completed) - paid - credited} outstanding; {extras}."
    )


def _packages_and_fees(clinic: Any, actor: Any) -> str:
    offered = list(ServiceType.objects.filter(clinic=clinic).order_by("name"))
    if not offered:
        return "no services for packages"
    for service in offered:
        fees.set_service_fees(
            actor=actor,
            service=service,
            late_cancel_fee=(service.price / 2).quantize(Decimal("1")),
            no_show_fee=service.price,
        )
    missed = (
        Appointment.objects.filter(clinic=clinic, status=AppointmentStatus.NO_SHOW)
        .select_related("service", "location", "client", "clinic")
        .order_by("-start")
        .first()
    )
    waived = ""
    if missed is not None:
        fee = fees.charge(appointment=missed)
        if fee is not None:
            fees.waive(actor=actor, fee=fee, reason="First missed visit: waived as a courtesy")
            waived = ", one no-show fee waived"
    five, _ten = (
        packages.create_package_type(
            actor=actor,
            data={"name": name, "sessions": n, "price": price, "valid_days": days},
            service_ids=[s.pk for s in offered],
        )
        for name, n, price, days in (
            ("5 sessions", 5, Decimal("325"), 120),
            ("10 sessions", 10, Decimal("600"), 240),
        )
    )
    booked = Appointment.objects.filter(
        clinic=clinic, status=AppointmentStatus.BOOKED, start__gt=timezone.now()
    )
    if missed is not None:
        booked = booked.exclude(client_id=missed.client_id)
    ahead = booked.select_related("client").order_by("start").first()
    if ahead is not None:
        packages.sell(actor=actor, client=ahead.client, package_type=five)
    return f"2 packages ({'one sold' if ahead else 'none sold'}), fees per service{waived}"


def _codes(clinic: Any, actor: Any, completed: list[Appointment]) -> None:
    """The clinic's own codes for statements for insurance (Sacrum ships no code list):
    one per service, and a diagnosis code for the client seen most."""
    for service in ServiceType.objects.filter(clinic=clinic).order_by("name"):
        superbill.set_service_code(
            actor=actor, service=service, code=f"CST-{service.duration_minutes}"
        )
    if completed:
        seen: dict[Any, int] = {}
        for appointment in completed:
            seen[appointment.client_id] = seen.get(appointment.client_id, 0) + 1
        client = next(a.client for a in completed if a.client_id == max(seen, key=seen.__getitem__))
        superbill.add_diagnosis(
            actor=actor, client=client, code="G44.2", description="Tension-type headache"
        )
