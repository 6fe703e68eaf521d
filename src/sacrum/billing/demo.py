"""Demo billing: settings, the completed sessions of the last months invoiced and mostly
paid (cash, card, transfer), a few left outstanding, and one credit note.

Issuing takes today's date (an issued invoice's dates never change afterwards), so the
demo's invoices are all dated the day it was seeded; the payments keep their sessions' days.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from sacrum.billing import services
from sacrum.billing.models import Invoice
from sacrum.kernel.actor import Actor
from sacrum.scheduling.models import Appointment, AppointmentStatus

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
    return (
        f"Billing: {len(completed)} invoices, {paid} paid, {credited} credit note, "
        f"{len(completed) - paid - credited} outstanding."
    )
