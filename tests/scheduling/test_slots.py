"""The availability engine: hours, buffers, exceptions, time off, closures, rooms, DST."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Location, Membership, Room
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import (
    Appointment,
    AvailabilityException,
    ClinicClosure,
    SchedulingPolicy,
    ServiceType,
    TimeOff,
    WeeklyHours,
)
from sacrum.scheduling.slots import SlotResult, find_slots, free_starts
from tests.conftest import Persona
from tests.scheduling.conftest import at, give_hours


def local_starts(result: SlotResult, member: Membership, tz: str = "Europe/London") -> list[str]:
    return [
        local(s.start, zone(tz)).strftime("%a %H:%M")
        for s in result.slots()
        if s.practitioner_id == member.pk
    ]


def search(
    service: ServiceType, location: Location, day: dt.date, last: dt.date | None = None, **kw: Any
) -> SlotResult:
    return find_slots(service=service, location=location, first_day=day, last_day=last or day, **kw)


def test_free_day_runs_from_opening_to_the_last_start_that_fits(
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
    practitioner: Persona,
) -> None:
    starts = local_starts(search(service, location, monday), practitioner.member)
    assert starts[0] == "Mon 09:00" and starts[-1] == "Mon 16:00"  # 16:00 + 50 min ≤ 17:00
    assert len(starts) == 29


def test_appointment_and_buffers_are_kept_free(
    booked: Callable[..., Appointment],
    service: ServiceType,
    location: Location,
    monday: dt.date,
    practitioner: Persona,
) -> None:
    booked("10:00")  # blocks 10:00-11:00 (50 min + 10 min after)
    starts = local_starts(search(service, location, monday), practitioner.member)
    assert "Mon 09:00" in starts and "Mon 11:00" in starts
    assert not {"Mon 09:15", "Mon 10:00", "Mon 10:45"} & set(starts)


def test_exceptions_time_off_and_closures(
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
    practitioner: Persona,
    clinic: Clinic,
) -> None:
    tuesday, wednesday = monday + dt.timedelta(days=1), monday + dt.timedelta(days=2)
    saturday = monday + dt.timedelta(days=5)
    p = practitioner.member
    AvailabilityException.objects.create(practitioner=p, date=monday, kind="closed")
    AvailabilityException.objects.create(
        practitioner=p, date=tuesday, kind="closed", start_time=dt.time(9), end_time=dt.time(13)
    )
    AvailabilityException.objects.create(
        practitioner=p,
        date=saturday,
        kind="extra",
        location=location,
        start_time=dt.time(10),
        end_time=dt.time(12),
    )
    TimeOff.objects.create(practitioner=p, start=at(wednesday, "15:00"), end=at(wednesday, "23:00"))
    ClinicClosure.objects.create(
        clinic=clinic,
        first_day=monday + dt.timedelta(days=3),
        last_day=monday + dt.timedelta(days=4),
    )
    starts = local_starts(search(service, location, monday, saturday), p)
    days = {s[:3] for s in starts}
    assert days == {"Tue", "Wed", "Sat"}
    assert min(s for s in starts if s.startswith("Tue")) == "Tue 13:00"
    assert max(s for s in starts if s.startswith("Wed")) == "Wed 14:00"  # 14:00-15:00 fits
    assert [s for s in starts if s.startswith("Sat")] == [
        "Sat 10:00",
        "Sat 10:15",
        "Sat 10:30",
        "Sat 10:45",
        "Sat 11:00",
    ]


def test_rooms_limit_slots_when_the_service_needs_one(
    booked: Callable[..., Appointment],
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    monday: dt.date,
    owner: Persona,
    second_client: Client,
    practitioner: Persona,
) -> None:
    booked("10:00", room=rooms[0])
    booked("10:00", who=owner, client=second_client, room=rooms[1])
    give_hours(practitioner.member, location, weekdays=range(0))  # nothing new
    third = ServiceType.objects.create(
        clinic=service.clinic, name="Short", duration_minutes=15, needs_room=True
    )
    third.practitioners.set([practitioner.member])
    # Pat is free 11:00, but both rooms are taken 10:00-11:00 by the two bookings.
    Room.objects.filter(pk=rooms[1].pk).update(active=False)
    result = search(service, location, monday)
    assert "Mon 10:00" not in local_starts(result, owner.member)


def test_client_and_minimum_notice(
    booked: Callable[..., Appointment],
    service: ServiceType,
    location: Location,
    monday: dt.date,
    owner: Persona,
    a_client: Client,
) -> None:
    booked("10:00")
    result = search(
        service, location, monday, client_id=a_client.pk, not_before=at(monday, "09:20")
    )
    starts = local_starts(result, owner.member)
    assert starts[0] == "Mon 11:00"  # 09:30 would overlap the client's 10:00, 09:00 is too soon


def test_query_count_is_bounded_whatever_the_range(
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
    booked: Callable[..., Appointment],
    a_client: Client,
) -> None:
    booked("10:00")
    for days in (1, 28, 90):
        with CaptureQueriesContext(connection) as ctx:
            search(
                service,
                location,
                monday,
                monday + dt.timedelta(days=days - 1),
                client_id=a_client.pk,
            )
        assert len(ctx.captured_queries) <= 5, (days, len(ctx.captured_queries))


def test_slots_on_the_local_clock_across_dst(clinic: Clinic, practitioner: Persona) -> None:
    for tz, change in (
        ("Europe/Berlin", dt.date(2026, 3, 29)),
        ("America/New_York", dt.date(2026, 11, 1)),
    ):
        place = Location.objects.create(clinic=clinic, name=tz, time_zone=tz)
        service = ServiceType.objects.create(
            clinic=clinic,
            name=f"S {tz}",
            duration_minutes=60,
            buffer_after_minutes=0,
            needs_room=False,
        )
        service.practitioners.set([practitioner.member])
        for wd in range(7):
            WeeklyHours.objects.create(
                practitioner=practitioner.member,
                location=place,
                weekday=wd,
                start_time=dt.time(9),
                end_time=dt.time(11),
            )
        result = search(
            service, place, change - dt.timedelta(days=1), change + dt.timedelta(days=1)
        )
        by_day: dict[dt.date, list[str]] = {}
        utc_first: dict[dt.date, str] = {}
        for slot in result.slots():
            wall = local(slot.start, zone(tz))
            by_day.setdefault(wall.date(), []).append(f"{wall:%H:%M}")
            utc_first.setdefault(wall.date(), f"{slot.start:%H:%M}")
        assert all(v[0] == "09:00" and v[-1] == "10:00" and len(v) == 5 for v in by_day.values()), (
            by_day
        )
        assert len(by_day) == 3
        # The UTC instant moves by the hour the clocks changed.
        before, after = (
            utc_first[change - dt.timedelta(days=1)],
            utc_first[change + dt.timedelta(days=1)],
        )
        assert before != after, (tz, before, after)


def test_free_starts_knows_every_minute(
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
    practitioner: Persona,
) -> None:
    free = free_starts(service=service, location=location, first_day=monday, last_day=monday)
    assert free.is_free(practitioner.member.pk, at(monday, "09:07"))
    assert not free.is_free(practitioner.member.pk, at(monday, "16:11"))


def test_the_many_form_agrees_with_the_one_place_form(
    clinic: Clinic,
    practitioner: Persona,
    location: Location,
    rooms: list[Room],
    service: ServiceType,
    monday: dt.date,
    a_client: Client,
) -> None:
    """Two places, a whole-day exception at one, time off, a booking, a room-bound service:
    the set-based form (the directory, the feed) finds exactly the single engine's starts."""
    from django.utils import timezone

    from sacrum.scheduling import slots
    from sacrum.scheduling.intervals import intersect

    member = practitioner.member
    other = Location.objects.create(clinic=clinic, name="Bath", time_zone="Europe/London")
    Room.objects.create(location=other, name="Oak")
    give_hours(member, location)
    give_hours(member, other, start="13:00", end="18:00")
    AvailabilityException.objects.create(
        practitioner=member, location=location, date=monday, kind="closed"
    )
    TimeOff.objects.create(
        practitioner=member, start=at(monday, "15:00"), end=at(monday + dt.timedelta(1), "11:00")
    )
    start = at(monday + dt.timedelta(days=2), "10:00")
    Appointment.objects.create(
        clinic=clinic, client=a_client, practitioner=member, service=service, location=location,
        room=rooms[0], start=start, end=start + dt.timedelta(minutes=50),
        blocked_start=start, blocked_end=start + dt.timedelta(minutes=60),
    )  # fmt: skip
    now = timezone.now()
    policy = SchedulingPolicy(clinic_id=clinic.pk)
    hours = [
        slots.Hours(member.pk, h.location_id, h.weekday, h.start_time, h.end_time)
        for h in WeeklyHours.objects.filter(practitioner=member)
    ]
    many = slots.many_free_starts(
        slots.ManyQuery(
            now=now,
            days=14,
            hours=hours,
            offers=[slots.Offer(member.pk, service.pk, clinic.pk, 50, 0, 10, True)],
            location_zones={location.pk: location.time_zone, other.pk: other.time_zone},
            location_clinics={location.pk: clinic.pk, other.pk: clinic.pk},
            policies={clinic.pk: policy},
        )
    )
    earliest = now + dt.timedelta(minutes=policy.minimum_notice_minutes)
    window = [(int(earliest.timestamp()) // 60 * 60 + 60, int(now.timestamp()) + 14 * 86400 + 1)]
    for place in (location, other):
        one = free_starts(
            service=service,
            location=place,
            first_day=now.date() - dt.timedelta(days=1),
            last_day=now.date() + dt.timedelta(days=16),
            practitioner_ids=[member.pk],
            not_before=earliest,
        )
        expected = intersect(one.intervals.get(member.pk, []), window)
        found = intersect(many.intervals.get((member.pk, service.pk, place.pk), []), window)
        assert found == expected and found, place.name
    assert not any(
        a <= int(at(monday, "11:00").timestamp()) < b
        for a, b in many.intervals[(member.pk, service.pk, location.pk)]
    )  # closed there that Monday, whatever its hours
