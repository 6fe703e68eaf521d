"""Billing's answers to the registries of apps below it."""

from __future__ import annotations

from sacrum.billing.models import Invoice, Status
from sacrum.clinics.guards import register_currency_check
from sacrum.clinics.models import Clinic

CURRENCY_LOCKED = (
    "The currency cannot change once invoices have been issued in it "
    "(their amounts would change meaning)."
)


def currency_locked(clinic: Clinic) -> str:
    issued = Invoice.objects.filter(clinic_id=clinic.pk).exclude(status=Status.DRAFT)
    return CURRENCY_LOCKED if issued.exists() else ""


def install() -> None:
    register_currency_check(currency_locked)
