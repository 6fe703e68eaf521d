"""Factories for scheduling's id names, used by the cross-cutting route tests.

``tests/access/objects.py`` lists them in its FACTORIES so every ``{..._id}`` route
and page of scheduling is walked by the permission matrix and the bad-input tests.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from sacrum.scheduling.local_time import to_utc, zone
from sacrum.scheduling.services import availability, booking, catalogue
from sacrum.scheduling.services import series as series_services

if TYPE_CHECKING:
    from tests.access.objects import Stillwater


def _monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 + 7)


def service(w: Stillwater) -> Any:
    return catalogue.create_service(
        actor=w.owner.actor,
        data={"name": "Follow-up session", "duration_minutes": 50, "needs_room": False},
        practitioner_ids=[w.practitioner.member.pk],
    )


def hours(w: Stillwater) -> Any:
    location = w.object("location_id")
    first = None
    for weekday in range(5):
        made = availability.add_weekly_hours(
            actor=w.owner.actor,
            practitioner=w.practitioner.member,
            data={
                "location": location,
                "weekday": weekday,
                "start_time": dt.time(9),
                "end_time": dt.time(17),
            },
        )
        first = first or made
    return first


def exception(w: Stillwater) -> Any:
    return availability.add_exception(
        actor=w.owner.actor,
        practitioner=w.practitioner.member,
        data={"date": _monday() + dt.timedelta(days=21), "kind": "closed", "note": "Course"},
    )


def time_off(w: Stillwater) -> Any:
    start = to_utc(_monday() + dt.timedelta(days=28), dt.time(0), zone("Europe/London"))
    return availability.add_time_off(
        actor=w.owner.actor,
        practitioner=w.practitioner.member,
        data={"start": start, "end": start + dt.timedelta(days=5), "reason": "Holiday"},
    )


def closure(w: Stillwater) -> Any:
    day = _monday() + dt.timedelta(days=35)
    return availability.add_closure(
        actor=w.owner.actor, data={"first_day": day, "last_day": day, "reason": "Bank holiday"}
    )


def appointment(w: Stillwater) -> Any:
    w.object("hours_id")
    location = w.object("location_id")
    return booking.book(
        actor=w.owner.actor,
        booking=booking.Booking(
            client=w.object("client_id"),  # type: ignore[arg-type]
            practitioner=w.practitioner.member,
            service=w.object("service_id"),  # type: ignore[arg-type]
            location=location,  # type: ignore[arg-type]
            start=to_utc(_monday(), dt.time(10), zone("Europe/London")),
        ),
    )


def series(w: Stillwater) -> Any:
    w.object("hours_id")
    made, _booked = series_services.create_series(
        actor=w.owner.actor,
        request=series_services.SeriesRequest(
            client=w.object("client_id"),  # type: ignore[arg-type]
            practitioner=w.practitioner.member,
            service=w.object("service_id"),  # type: ignore[arg-type]
            location=w.object("location_id"),  # type: ignore[arg-type]
            first_date=_monday() + dt.timedelta(days=1),
            local_time=dt.time(14),
            phases=[{"rule": "weekly", "count": 2}],
        ),
    )
    return made


FACTORIES = {
    "service_id": service,
    "hours_id": hours,
    "exception_id": exception,
    "time_off_id": time_off,
    "closure_id": closure,
    "appointment_id": appointment,
    "series_id": series,
}
