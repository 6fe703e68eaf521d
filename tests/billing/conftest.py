"""Billing fixtures: a clinic registered for tax (20 %, prices with tax), a 75.00 service,
Ada's completed appointment of the day before the test clock (Tue 9 June 2026)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from sacrum.billing import services
from sacrum.billing.models import BillingSettings, Invoice
from sacrum.clients.models import Client
from sacrum.clinics.models import Location
from sacrum.scheduling.models import Appointment, AppointmentStatus, ServiceType
from tests.conftest import Persona


@pytest.fixture
def billing(owner: Persona) -> BillingSettings:
    return services.update_settings(
        actor=owner.actor,
        data={"tax_number": "GB123456789", "default_tax_rate": Decimal("20")},
    )


@pytest.fixture
def service(owner: Persona) -> ServiceType:
    return ServiceType.objects.create(
        clinic=owner.clinic, name="Follow-up, 50 min", duration_minutes=50, price=Decimal("75.00")
    )


@pytest.fixture
def location(owner: Persona) -> Location:
    return Location.objects.create(
        clinic=owner.clinic, name="Harbour Road", time_zone="Europe/London"
    )


def make_appointment(
    owner: Persona,
    client: Client,
    service: ServiceType,
    location: Location,
    *,
    status: str = AppointmentStatus.COMPLETED,
    day: dt.date = dt.date(2026, 6, 9),
) -> Appointment:
    start = dt.datetime(2026, 6, 9, 10, 0, tzinfo=dt.UTC).replace(day=day.day, month=day.month)
    end = start + dt.timedelta(minutes=50)
    return Appointment.objects.create(
        clinic=owner.clinic,
        client=client,
        practitioner=owner.member,
        service=service,
        location=location,
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        status=status,
    )


@pytest.fixture
def appointment(
    owner: Persona, a_client: Client, service: ServiceType, location: Location
) -> Appointment:
    return make_appointment(owner, a_client, service, location)


def line(description: str = "Session", price: str = "75.00", **extra: Any) -> services.LineInput:
    return services.LineInput(description=description, unit_price=Decimal(price), **extra)


@pytest.fixture
def draft(owner: Persona, a_client: Client, billing: BillingSettings) -> Invoice:
    return services.create_invoice(actor=owner.actor, client=a_client, lines=[line()])


@pytest.fixture
def issued(owner: Persona, draft: Invoice) -> Invoice:
    return services.issue(actor=owner.actor, invoice=draft)
