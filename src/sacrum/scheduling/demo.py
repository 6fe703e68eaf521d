"""Demo: services, working hours and six months of appointments at Stillwater.

Four months back (mostly completed, some cancelled and no-shows) and two ahead
(booked, confirmed, a few online requests), plus three weekly-then-monthly series,
time off and a closure. Rows are written in bulk; the database's no-overlap rules
still check every one of them.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from sacrum.clinics.models import Location, Membership, Room
from sacrum.scheduling.local_time import to_utc, zone
from sacrum.scheduling.models import (
    Appointment,
    AppointmentChange,
    ClinicClosure,
    SchedulingPolicy,
    Series,
    ServiceType,
    TimeOff,
    WeeklyHours,
)
from sacrum.scheduling.recurrence import occurrence_dates

ORDER = 30
PAST_DAYS, FUTURE_DAYS = 120, 60

SERVICES = [
    # name, minutes, before, after, price, new clients only, offered by
    ("First visit", 75, 0, 15, "85.00", True, ("owner", "practitioner", "practitioner2")),
    ("Craniosacral session", 50, 0, 10, "65.00", False, ("owner", "practitioner", "practitioner2")),
    ("Short session", 30, 0, 10, "40.00", False, ("practitioner", "practitioner2")),
]
# who, location index, weekdays, start, end
HOURS = [
    ("owner", 0, (0, 2, 3), "09:00", "17:00"),
    ("owner", 1, (4,), "09:00", "13:00"),
    ("practitioner", 0, (1, 3), "10:00", "18:00"),
    ("practitioner", 0, (5,), "09:00", "13:00"),
    ("practitioner2", 1, (0, 1, 4), "08:30", "16:30"),
    ("practitioner2", 0, (2,), "12:00", "19:00"),
]


class Diary:
    """What is already taken, so generated appointments never overlap (like the database)."""

    def __init__(self) -> None:
        self.taken: dict[tuple[str, Any], list[tuple[dt.datetime, dt.datetime]]] = {}

    def free(self, keys: list[tuple[str, Any]], start: dt.datetime, end: dt.datetime) -> bool:
        return all(not (s < end and start < e) for key in keys for s, e in self.taken.get(key, []))

    def take(self, keys: list[tuple[str, Any]], start: dt.datetime, end: dt.datetime) -> None:
        for key in keys:
            self.taken.setdefault(key, []).append((start, end))


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def seed(ctx: dict[str, Any]) -> str:
    clinic = ctx["clinic"]
    if Appointment.objects.filter(clinic=clinic).exists():
        return "Scheduling: already present"
    rng = random.Random(20260329)  # noqa: S311 - demo data, not security
    members: dict[str, Membership] = ctx["members"]
    locations: list[Location] = ctx["locations"]
    clients = list(ctx["clients"])
    SchedulingPolicy.objects.get_or_create(clinic=clinic)

    services = []
    for name, minutes, before, after, price, new_only, offered_by in SERVICES:
        service, _ = ServiceType.objects.get_or_create(
            clinic=clinic,
            name=name,
            defaults={
                "duration_minutes": minutes,
                "buffer_before_minutes": before,
                "buffer_after_minutes": after,
                "price": price,
                "new_clients_only": new_only,
                "needs_room": True,
            },
        )
        service.practitioners.set([members[w] for w in offered_by])
        services.append(service)
    first_visit, session, short = services

    for who, place, weekdays, start, end in HOURS:
        for weekday in weekdays:
            WeeklyHours.objects.get_or_create(
                practitioner=members[who],
                location=locations[place],
                weekday=weekday,
                defaults={"start_time": _time(start), "end_time": _time(end)},
            )

    tz = zone(locations[0].time_zone)
    now = timezone.now()
    today = timezone.localdate()
    rooms = {loc.pk: list(Room.objects.filter(location=loc, active=True)) for loc in locations}
    holiday = today + dt.timedelta(days=21)  # Jonas is away this week
    closed = today + dt.timedelta(days=(7 - today.weekday()) % 7 + 35)  # a bank holiday
    away = {holiday + dt.timedelta(days=i) for i in range(7)}
    diary = Diary()
    rows: list[Appointment] = []
    seen: set[Any] = set()

    def add(
        member: Membership,
        service: ServiceType,
        location: Location,
        start: dt.datetime,
        client: Any,
        series: Series | None = None,
    ) -> Appointment | None:
        end = start + dt.timedelta(minutes=service.duration_minutes)
        blocked_end = end + dt.timedelta(minutes=service.buffer_after_minutes)
        room = next(
            (r for r in rooms[location.pk] if diary.free([("room", r.pk)], start, blocked_end)),
            None,
        )
        keys = [("who", member.pk), ("client", client.pk)]
        day = start.astimezone(tz).date()
        if day == closed or (member == members["practitioner"] and day in away):
            return None
        if room is None or not diary.free(keys, start, blocked_end):
            return None
        diary.take([*keys, ("room", room.pk)], start, blocked_end)
        if end < now:
            roll = rng.random()
            status = "completed" if roll < 0.86 else "no_show" if roll < 0.91 else "cancelled"
        elif start < now:
            status = "arrived"
        else:
            roll = rng.random()
            status = "confirmed" if roll < 0.3 else "requested" if roll < 0.36 else "booked"
        appointment = Appointment(
            clinic=clinic,
            client=client,
            practitioner=member,
            service=service,
            location=location,
            room=room,
            start=start,
            end=end,
            blocked_start=start,
            blocked_end=blocked_end,
            status=status,
            series=series,
            source="online" if status == "requested" or rng.random() < 0.2 else "staff",
            created_by=members["front_desk"].user,
        )
        if status == "cancelled":
            appointment.cancelled_at = start - dt.timedelta(hours=rng.choice([2, 20, 50, 96]))
            appointment.cancelled_late = start - appointment.cancelled_at < dt.timedelta(hours=24)
            appointment.cancelled_by_party = rng.choice(["client", "client", "clinic"])
            appointment.cancellation_reason = rng.choice(
                ["Unwell", "Work meeting", "Childcare fell through", "Practitioner ill"]
            )
        rows.append(appointment)
        seen.add(client.pk)
        return appointment

    # Three series that follow a plan's taper: weekly x 6, then monthly x 3.
    series_count = 0
    for i, (who, place, weekday, hhmm) in enumerate(
        [
            ("owner", 0, 2, "10:00"),
            ("practitioner", 0, 1, "15:00"),
            ("practitioner2", 1, 0, "11:00"),
        ]
    ):
        client = clients[i]
        first = today - dt.timedelta(days=42) + dt.timedelta(days=(weekday - today.weekday()) % 7)
        series = Series.objects.create(
            clinic=clinic,
            client=client,
            practitioner=members[who],
            service=session,
            location=locations[place],
            first_date=first,
            local_time=_time(hhmm),
            time_zone=locations[place].time_zone,
            phases=[{"rule": "weekly", "count": 6}, {"rule": "monthly", "count": 3}],
            created_by=members["front_desk"].user,
        )
        for day in occurrence_dates(first, series.phases):
            add(
                members[who],
                session,
                locations[place],
                to_utc(day, _time(hhmm), tz),
                client,
                series,
            )
        series_count += 1

    for offset in range(-PAST_DAYS, FUTURE_DAYS):
        day = today + dt.timedelta(days=offset)
        for who, place, weekdays, start, end in HOURS:
            if day.weekday() not in weekdays:
                continue
            member, location = members[who], locations[place]
            minute = _time(start).hour * 60 + _time(start).minute
            close = _time(end).hour * 60 + _time(end).minute
            while minute + 60 <= close:
                if rng.random() < (0.7 if offset < 0 else 0.45):
                    client = rng.choice(clients)
                    service = short if rng.random() < 0.15 and who != "owner" else session
                    if client.pk not in seen:
                        service = first_visit
                    start_at = to_utc(day, dt.time(minute // 60, minute % 60), tz)
                    if add(member, service, location, start_at, client) and service == first_visit:
                        minute += 30
                minute += 60

    Appointment.objects.bulk_create(rows, batch_size=500)
    moved = [a for a in rows if a.status in ("booked", "confirmed")][:5]
    AppointmentChange.objects.bulk_create(
        AppointmentChange(
            appointment=a,
            kind="rescheduled",
            changed_by=members["front_desk"].user,
            from_start=a.start - dt.timedelta(days=1),
            from_end=a.end - dt.timedelta(days=1),
            to_start=a.start,
            to_end=a.end,
            from_practitioner=a.practitioner,
            to_practitioner=a.practitioner,
            from_room=a.room,
            to_room=a.room,
            from_status=a.status,
            to_status=a.status,
            reason="Client asked for another day",
        )
        for a in moved
    )
    TimeOff.objects.create(
        practitioner=members["practitioner"],
        start=to_utc(holiday, dt.time(0), tz),
        end=to_utc(holiday + dt.timedelta(days=7), dt.time(0), tz),
        reason="Holiday",
    )
    ClinicClosure.objects.create(
        clinic=clinic, first_day=closed, last_day=closed, reason="Bank holiday"
    )
    past = sum(1 for a in rows if a.start < now)
    return (
        f"Scheduling: {len(services)} services, {len(rows)} appointments "
        f"({past} past, {len(rows) - past} ahead), {series_count} series"
    )
