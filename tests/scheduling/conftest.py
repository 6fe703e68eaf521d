"""Scheduling fixtures: a location with rooms, a service, working hours, and a future Monday."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Membership, Room
from sacrum.scheduling.local_time import to_utc, zone
from sacrum.scheduling.models import ServiceType, WeeklyHours
from sacrum.scheduling.services.booking import Booking, book
from tests.conftest import Persona


def next_monday(weeks_ahead: int = 1) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks_ahead)


def at(day: dt.date, hhmm: str, tz: str = "Europe/London") -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return to_utc(day, dt.time(hour, minute), zone(tz))


def give_hours(
    member: Membership,
    location: Location,
    start: str = "09:00",
    end: str = "17:00",
    weekdays: range = range(5),
) -> None:
    for wd in weekdays:
        WeeklyHours.objects.create(
            practitioner=member,
            location=location,
            weekday=wd,
            start_time=dt.time.fromisoformat(start),
            end_time=dt.time.fromisoformat(end),
        )


@pytest.fixture
def location(clinic: Any) -> Location:
    return Location.objects.create(clinic=clinic, name="Bristol", time_zone="Europe/London")


@pytest.fixture
def rooms(location: Location) -> list[Room]:
    return [Room.objects.create(location=location, name=n) for n in ("Cedar", "Willow")]


@pytest.fixture
def service(clinic: Any, practitioner: Persona, owner: Persona) -> ServiceType:
    s = ServiceType.objects.create(
        clinic=clinic,
        name="Follow-up",
        duration_minutes=50,
        buffer_after_minutes=10,
        needs_room=True,
    )
    s.practitioners.set([practitioner.member, owner.member])
    return s


@pytest.fixture
def hours(practitioner: Persona, owner: Persona, location: Location) -> None:
    give_hours(practitioner.member, location)
    give_hours(owner.member, location)


@pytest.fixture
def monday() -> dt.date:
    return next_monday()


@pytest.fixture
def second_client(clinic: Any) -> Client:
    return Client.objects.create(
        clinic=clinic, first_name="Grace", last_name="Hopper", date_of_birth=dt.date(1956, 12, 9)
    )


@pytest.fixture
def booked(
    owner: Persona,
    a_client: Client,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
) -> Any:
    """A function that books practitioner + client at a local time on Monday."""

    def make(
        hhmm: str = "10:00",
        *,
        who: Persona | None = None,
        client: Client | None = None,
        room: Room | None = None,
        day: dt.date | None = None,
    ) -> Any:
        return book(
            actor=owner.actor,
            booking=Booking(
                client=client or a_client,
                practitioner=(who or practitioner).member,
                service=service,
                location=location,
                start=at(day or monday, hhmm),
                room=room,
            ),
        )

    return make
