"""Waitlist fixtures: a location with one room, a service, Monday hours, clients in line.

The scenario every test starts from: Pat works Mondays 09:00-17:00; the waiting
clients want a session next Monday between 10:00 and 11:00, which is taken by
Ada's appointment. Cancelling it frees exactly one matching start (10:00).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Room
from sacrum.scheduling.local_time import to_utc, zone
from sacrum.scheduling.models import ACTIVE_STATUSES, Appointment, ServiceType, WeeklyHours
from sacrum.scheduling.services.booking import Booking, book
from sacrum.screening import services as screening
from sacrum.waitlist import services
from sacrum.waitlist.models import WaitlistEntry
from tests.conftest import Persona
from tests.screening.helpers import quiet_answers

TZ = "Europe/London"


def next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 + 7)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return to_utc(day, dt.time(hour, minute), zone(TZ))


@pytest.fixture
def monday() -> dt.date:
    return next_monday()


@pytest.fixture
def location(clinic: Any) -> Location:
    return Location.objects.create(
        clinic=clinic,
        name="Harbour Road",
        address_line="3 Harbour Road",
        city="Bristol",
        time_zone=TZ,
    )


@pytest.fixture
def room(location: Location) -> Room:
    return Room.objects.create(location=location, name="Cedar")


@pytest.fixture
def service(clinic: Any, practitioner: Persona) -> ServiceType:
    s = ServiceType.objects.create(
        clinic=clinic, name="Craniosacral session", duration_minutes=50, buffer_after_minutes=10
    )
    s.practitioners.set([practitioner.member])
    return s


@pytest.fixture
def hours(practitioner: Persona, location: Location, room: Room) -> None:
    WeeklyHours.objects.create(
        practitioner=practitioner.member,
        location=location,
        weekday=0,
        start_time=dt.time(9),
        end_time=dt.time(17),
    )


@pytest.fixture
def blocker(
    owner: Persona,
    a_client: Client,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
    hours: None,
    monday: dt.date,
) -> Appointment:
    """Ada's Monday 10:00 session: the time everyone on the waitlist wants."""
    return book(
        actor=owner.actor,
        booking=Booking(
            client=a_client,
            practitioner=practitioner.member,
            service=service,
            location=location,
            start=at(monday, "10:00"),
        ),
    )


_names = itertools.count(1)


@pytest.fixture
def make_client(clinic: Any) -> Callable[..., Client]:
    def make(first: str = "", email: str | None = None) -> Client:
        n = next(_names)
        first = first or f"Client{n}"
        return Client.objects.create(
            clinic=clinic,
            first_name=first,
            last_name="Waiting",
            date_of_birth=dt.date(1980, 1, 1),
            email=f"{first.lower()}{n}@example.test" if email is None else email,
        )

    return make


@pytest.fixture
def wait(
    front_desk: Persona, service: ServiceType, location: Location, monday: dt.date
) -> Callable[..., WaitlistEntry]:
    """Put a client on the waitlist for next Monday, 10:00-11:00 (the blocker's time)."""

    def add(client: Client, **changes: Any) -> WaitlistEntry:
        wish = services.Wish(
            client=client,
            service=service,
            location=location,
            earliest_date=monday,
            latest_date=monday,
            weekdays=(0,),
            earliest_time=dt.time(10),
            latest_time=dt.time(11),
        )
        for key, value in changes.items():
            setattr(wish, key, value)
        return services.add_entry(actor=front_desk.actor, wish=wish)

    return add


@pytest.fixture
def line(make_client: Any, wait: Any, blocker: Appointment) -> list[WaitlistEntry]:
    """Three clients in line for the blocker's time, joined in the order A, B, C."""
    return [wait(make_client(name)) for name in ("Amira", "Bruno", "Chen")]


def block(client: Client, practitioner: Persona) -> None:
    """A recent head injury on the intake: screening blocks booking until cleared."""
    screening.submit_intake(
        actor=practitioner.actor,
        client=client,
        answers=quiet_answers("intake") | {"head_injury_recent": "yes"},
    )


def assert_no_overlaps() -> None:
    """No practitioner, room or client is in two active appointments at once (buffers in)."""
    rows = list(
        Appointment.objects.filter(status__in=[s.value for s in ACTIVE_STATUSES]).values(
            "id", "practitioner_id", "room_id", "client_id", "blocked_start", "blocked_end"
        )
    )
    for a, b in itertools.combinations(rows, 2):
        if a["blocked_start"] < b["blocked_end"] and b["blocked_start"] < a["blocked_end"]:
            for who in ("practitioner_id", "room_id", "client_id"):
                assert a[who] is None or a[who] != b[who], f"{who} double-booked: {a} / {b}"
