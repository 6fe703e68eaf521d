"""Plan fixtures: instruments, a location with a service and working hours, and a plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sacrum.clinics.models import Location
from sacrum.outcomes import services as outcome_services
from sacrum.outcomes.models import InstrumentDefinition
from sacrum.plans import services
from sacrum.plans.models import Plan
from sacrum.scheduling.local_time import to_utc, zone
from sacrum.scheduling.models import Appointment, ServiceType, WeeklyHours
from tests.conftest import Persona


@pytest.fixture
def definitions(owner: Persona) -> dict[str, InstrumentDefinition]:
    outcome_services.ensure_definitions(owner.clinic)
    return {d.key: d for d in InstrumentDefinition.objects.filter(clinic=owner.clinic)}


@pytest.fixture
def location(clinic: Any) -> Location:
    return Location.objects.create(clinic=clinic, name="Bristol", time_zone="Europe/London")


@pytest.fixture
def service(clinic: Any, practitioner: Persona) -> ServiceType:
    s = ServiceType.objects.create(
        clinic=clinic, name="CST session", duration_minutes=50, needs_room=False
    )
    s.practitioners.set([practitioner.member])
    return s


@pytest.fixture
def hours(practitioner: Persona, location: Location) -> None:
    for weekday in range(5):
        WeeklyHours.objects.create(
            practitioner=practitioner.member,
            location=location,
            weekday=weekday,
            start_time=dt.time(9),
            end_time=dt.time(17),
        )


@pytest.fixture
def plan(practitioner: Persona, a_client: Any, definitions: Any) -> Plan:
    return services.create_plan(
        actor=practitioner.actor,
        client=a_client,
        phases=[
            {"rule": "weekly", "count": 3},
            {"rule": "every_2_weeks", "count": 2},
            {"rule": "monthly", "count": 2},
        ],
        goals=[
            services.GoalData(text="Work a full day at the screen", instrument_key="pain-nrs"),
        ],
        measures=[services.MeasureData(instrument_key="pain-nrs", every_n_sessions=2)],
    )


def attended(
    plan: Plan, service: ServiceType, location: Location, days_ago: list[int]
) -> list[Appointment]:
    """Completed sessions on those days (written directly: past sessions, not bookings)."""
    made = []
    tz = zone("Europe/London")
    today = dt.date.today()
    for n in days_ago:
        start = to_utc(today - dt.timedelta(days=n), dt.time(11), tz)
        made.append(
            Appointment.objects.create(
                clinic=plan.clinic,
                client=plan.client,
                practitioner=plan.practitioner,
                service=service,
                location=location,
                start=start,
                end=start + dt.timedelta(minutes=50),
                blocked_start=start,
                blocked_end=start + dt.timedelta(minutes=50),
                status="completed",
            )
        )
    return made
