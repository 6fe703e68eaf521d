"""Billing's answers to the registries of apps below it."""

from __future__ import annotations

from sacrum.billing.models import Invoice, Status
from sacrum.billing.packages import packages_of
from sacrum.billing.services import settings_for, today_of
from sacrum.clients.models import Client
from sacrum.clinics.guards import register_currency_check
from sacrum.clinics.models import Clinic
from sacrum.clinics.prices import register_locale_lookup
from sacrum.scheduling.hints import register_booking_hint

CURRENCY_LOCKED = (
    "The currency cannot change once invoices have been issued in it "
    "(their amounts would change meaning)."
)


def currency_locked(clinic: Clinic) -> str:
    issued = Invoice.objects.filter(clinic_id=clinic.pk).exclude(status=Status.DRAFT)
    return CURRENCY_LOCKED if issued.exists() else ""


def package_hint(client: Client) -> list[str]:
    """The booking page's line about the client's package credits (none: nothing)."""
    today = today_of(client.clinic)
    return [
        f"Package “{p.name}”: {p.remaining} of {p.sessions} sessions left, "
        f"until {p.expires_on.day} {p.expires_on:%b %Y}."
        for p in packages_of(client.pk, on=today)
    ]


def locale_of(clinic_id: object) -> str:
    return settings_for(clinic_id).locale


def install() -> None:
    register_currency_check(currency_locked)
    register_locale_lookup(locale_of)
    register_booking_hint(package_hint)
