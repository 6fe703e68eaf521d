"""Demo billing: settings, the completed sessions of the last months invoiced and mostly
paid (cash, card, transfer), a few left outstanding, and one credit note; two session
packages (one sold to a client with visits ahead), fees per service and one no-show fee
waived with a reason.

Issuing takes today's date (an issued invoice's dates never change afterwards), so the
demo's invoices are all dated the day it was seeded; the payments keep their sessions' days.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from sacrum.billing import fees, packages, services
from sacrum.billing.models import Invoice
from sacrum.kernel.actor import Actor
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
    completed = list(
        Appointment.objects.filter(
            clinic=clinic, status=AppointmentStatus.COMPLETED, start__lt=timezone.now()
        )
        .select_related("service", "location", "client", "clinic")
        .order_by("start")[:60]
    )
    paid = credited = 0
    for index, appointment in enumerate(completed):
        invoice = services.invoice_for_appointment(actor=actor, appointment=appointment)
        invoice = services.issue(actor=actor, invoice=invoice)
        if index == 3:
            services.credit_note(actor=actor, invoice=invoice, reason="Session cut short: goodwill")
            credited += 1
            continue
        if index % 7 == 6 or invoice.total == 0:
            continue  # left outstanding
        local_day = timezone.localtime(appointment.end).date()
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
