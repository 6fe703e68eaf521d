"""The next free time of many practitioners and services at once (set-based).

The scheduling engine (``scheduling.slots``) answers one service at one location. A
directory page asks for twenty practitioners in twenty clinics, so this module reads
everything they need in two queries — exceptions, time off, closures and rooms in one
UNION ALL; the active appointments of the practitioners and rooms, grouped, in another —
and computes each practitioner's first free start per service in Python on integer
seconds, with the same rules as online booking (working hours in the location's local
time, buffers, a free room when the service needs one, the clinic's minimum notice,
slot step and booking horizon).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BigIntegerField, CharField, DateField, F, Q, QuerySet, TimeField, Value
from django.db.models.functions import Cast

from sacrum.clinics.models import Room
from sacrum.scheduling.db import EpochPair, EpochSeconds, IdText, JoinText, parse_pairs
from sacrum.scheduling.intervals import Interval, intersect, normalize, subtract
from sacrum.scheduling.local_time import epoch, zone
from sacrum.scheduling.models import (
    Appointment,
    AvailabilityException,
    ClinicClosure,
    ExceptionKind,
    SchedulingPolicy,
    TimeOff,
)
from sacrum.scheduling.models.appointments import ACTIVE_VALUES

DAY = 86400


@dataclass(frozen=True)
class Hours:
    """A practitioner works at a location every ``weekday`` from ``start`` to ``end`` (local)."""

    member_id: uuid.UUID
    location_id: uuid.UUID
    weekday: int
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Offer:
    """A service a practitioner offers, with what its free time depends on."""

    member_id: uuid.UUID
    service_id: uuid.UUID
    clinic_id: uuid.UUID
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    needs_room: bool


@dataclass(frozen=True)
class NextFree:
    start: dt.datetime
    location_id: uuid.UUID


@dataclass
class Question:
    """Everything the engine needs that the caller already read."""

    now: dt.datetime
    days: int
    hours: list[Hours]
    offers: list[Offer]
    location_zones: dict[uuid.UUID, str]
    policies: dict[uuid.UUID, SchedulingPolicy]
    location_clinics: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)


def _id(text: Any) -> uuid.UUID:
    return text if isinstance(text, uuid.UUID) else uuid.UUID(str(text))


def _changes(
    members: list[uuid.UUID],
    clinics: list[uuid.UUID],
    locations: list[uuid.UUID],
    first_day: dt.date,
    last_day: dt.date,
    start: dt.datetime,
    end: dt.datetime,
) -> QuerySet[Any]:
    """Exceptions, time off, closures and active rooms in one UNION ALL."""
    none_date = Cast(Value(None), DateField())
    none_time = Cast(Value(None), TimeField())
    none_int = Cast(Value(None), BigIntegerField())
    none_text = Cast(Value(None), CharField())
    columns = ("kind_", "who", "place", "day1", "day2", "time1", "time2", "epoch1", "epoch2")
    exceptions = (
        AvailabilityException.objects.filter(
            practitioner_id__in=members, date__gte=first_day, date__lte=last_day
        )
        .annotate(
            kind_=F("kind"),
            who=IdText("practitioner_id"),
            place=IdText("location_id"),
            day1=F("date"),
            day2=F("date"),
            time1=F("start_time"),
            time2=F("end_time"),
            epoch1=none_int,
            epoch2=none_int,
        )
        .order_by()
        .values_list(*columns)
    )
    time_off = (
        TimeOff.objects.filter(practitioner_id__in=members, start__lt=end, end__gt=start)
        .annotate(
            kind_=Value("time_off", output_field=CharField()),
            who=IdText("practitioner_id"),
            place=none_text,
            day1=none_date,
            day2=none_date,
            time1=none_time,
            time2=none_time,
            epoch1=EpochSeconds("start"),
            epoch2=EpochSeconds("end"),
        )
        .order_by()
        .values_list(*columns)
    )
    closures = (
        ClinicClosure.objects.filter(
            clinic_id__in=clinics, first_day__lte=last_day, last_day__gte=first_day
        )
        .annotate(
            kind_=Value("closure", output_field=CharField()),
            who=IdText("clinic_id"),
            place=IdText("location_id"),
            day1=F("first_day"),
            day2=F("last_day"),
            time1=none_time,
            time2=none_time,
            epoch1=none_int,
            epoch2=none_int,
        )
        .order_by()
        .values_list(*columns)
    )
    rooms = (
        Room.objects.filter(location_id__in=locations, active=True)
        .annotate(
            kind_=Value("room", output_field=CharField()),
            who=IdText("id"),
            place=IdText("location_id"),
            day1=none_date,
            day2=none_date,
            time1=none_time,
            time2=none_time,
            epoch1=none_int,
            epoch2=none_int,
        )
        .order_by()
        .values_list(*columns)
    )
    return exceptions.union(time_off, closures, rooms, all=True)


def _busy(
    members: list[uuid.UUID], locations: list[uuid.UUID], start: dt.datetime, end: dt.datetime
) -> QuerySet[Any]:
    """Blocked ranges of active appointments per practitioner and per room, grouped."""
    base = Appointment.objects.filter(
        status__in=ACTIVE_VALUES, blocked_start__lt=end, blocked_end__gt=start
    )

    def grouped(kind: str, column: str, condition: Q) -> QuerySet[Any]:
        rows: QuerySet[Any] = (
            base.filter(condition)
            .order_by()
            .values(column)
            .annotate(
                kind_=Value(kind, output_field=CharField()),
                key=IdText(column),
                spans=JoinText(EpochPair("blocked_start", "blocked_end")),
            )
            .values_list("kind_", "key", "spans")
        )
        return rows

    return grouped("p", "practitioner_id", Q(practitioner_id__in=members)).union(
        grouped("r", "room_id", Q(room__location_id__in=locations)), all=True
    )


def _forbidden(busy: Iterable[Interval], before: int, length: int) -> list[Interval]:
    """Starts whose blocked range ``[s - before, s + length)`` would overlap a busy range."""
    lead = length - before - 1
    return normalize([(b0 - lead, b1 + before) for b0, b1 in busy])


def _offset(seconds: int, tz: dt.tzinfo) -> int:
    offset = dt.datetime.fromtimestamp(seconds, tz=dt.UTC).astimezone(tz).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def align_up(seconds: int, step: int, tz: dt.tzinfo) -> int:
    """The first instant at or after ``seconds`` on the local clock's ``step`` grid.

    Only the first start of each free range is needed, so two offset look-ups (before and
    after the step, in case the clocks change in between) replace the engine's table.
    """
    offset = _offset(seconds, tz)
    start = seconds + (-(seconds + offset)) % step
    later = _offset(start, tz)
    if later != offset:
        start = seconds + (-(seconds + later)) % step
    return start


def next_free(question: Question) -> dict[tuple[uuid.UUID, uuid.UUID], NextFree]:
    """(member, service) → the first free start within ``days`` from now: two queries."""
    if not question.hours or not question.offers:
        return {}
    now = question.now
    members = sorted({h.member_id for h in question.hours})
    locations = sorted({h.location_id for h in question.hours})
    clinics = sorted(
        {question.location_clinics[loc] for loc in locations if loc in question.location_clinics}
    )
    # Local days can differ by a day between zones: read one more on each side.
    first_day = (now - dt.timedelta(days=1)).date()
    last_day = (now + dt.timedelta(days=question.days + 1)).date()
    window_start = now - dt.timedelta(hours=2)
    window_end = now + dt.timedelta(days=question.days + 2)

    closed_days: dict[uuid.UUID, set[dt.date]] = defaultdict(set)  # by location
    clinic_closed: dict[uuid.UUID, set[dt.date]] = defaultdict(set)
    closed_all: set[tuple[uuid.UUID, dt.date]] = set()
    closed_part: dict[uuid.UUID, list[tuple[uuid.UUID | None, dt.date, dt.time, dt.time]]] = (
        defaultdict(list)
    )
    extra: dict[tuple[uuid.UUID, uuid.UUID], list[tuple[dt.date, dt.time, dt.time]]] = defaultdict(
        list
    )
    away: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    rooms: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for kind, who, place, day1, day2, time1, time2, epoch1, epoch2 in _changes(
        members, clinics, locations, first_day, last_day, window_start, window_end
    ):
        if kind == "room":
            rooms[_id(place)].append(_id(who))
        elif kind == "closure":
            span = (day1 + dt.timedelta(days=i) for i in range((day2 - day1).days + 1))
            closed = {d for d in span if first_day <= d <= last_day}
            if place:
                closed_days[_id(place)].update(closed)
            else:
                clinic_closed[_id(who)].update(closed)
        elif kind == "time_off":
            away[_id(who)].append((epoch1, epoch2))
        elif kind == ExceptionKind.EXTRA:
            extra[(_id(who), _id(place))].append((day1, time1, time2))
        elif time1 is None:
            closed_all.add((_id(who), day1))
        else:
            closed_part[_id(who)].append((_id(place) if place else None, day1, time1, time2))

    busy: dict[uuid.UUID, list[Interval]] = {}
    room_busy: dict[uuid.UUID, list[Interval]] = {}
    for kind, key, spans in _busy(members, locations, window_start, window_end):
        (busy if kind == "p" else room_busy)[_id(key)] = parse_pairs(spans)

    weekly: dict[tuple[uuid.UUID, uuid.UUID], dict[int, list[tuple[dt.time, dt.time]]]] = (
        defaultdict(lambda: defaultdict(list))
    )
    for h in question.hours:
        weekly[(h.member_id, h.location_id)][h.weekday].append((h.start, h.end))
    places_of: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for member_id, location_id in set(weekly) | set(extra):
        places_of[member_id].append(location_id)

    days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    working: dict[tuple[uuid.UUID, uuid.UUID], list[Interval]] = {}

    def working_at(member_id: uuid.UUID, location_id: uuid.UUID) -> list[Interval]:
        key = (member_id, location_id)
        found = working.get(key)
        if found is not None:
            return found
        tz = zone(question.location_zones[location_id])
        clinic_id = question.location_clinics.get(location_id)
        shut = closed_days.get(location_id, set()) | clinic_closed.get(clinic_id, set())  # type: ignore[arg-type]
        pattern = weekly.get(key, {})
        spans: list[Interval] = []
        for day in days:
            if day in shut:
                continue
            if (member_id, day) not in closed_all:
                spans.extend(
                    (epoch(day, s, tz), epoch(day, e, tz))
                    for s, e in pattern.get(day.weekday(), ())
                )
        spans.extend(
            (epoch(d, s, tz), epoch(d, e, tz)) for d, s, e in extra.get(key, ()) if d not in shut
        )
        merged = normalize(spans)
        parts = [
            (epoch(d, s, tz), epoch(d, e, tz))
            for place, d, s, e in closed_part.get(member_id, ())
            if place is None or place == location_id
        ]
        if parts:
            merged = subtract(merged, normalize(parts))
        working[key] = merged
        return merged

    now_s = int(now.timestamp())
    zones: dict[uuid.UUID, dt.tzinfo] = {}
    answer: dict[tuple[uuid.UUID, uuid.UUID], NextFree] = {}
    for offer in question.offers:
        policy = question.policies.get(offer.clinic_id) or SchedulingPolicy(
            clinic_id=offer.clinic_id
        )
        earliest = now_s + policy.minimum_notice_minutes * 60
        earliest = -(-earliest // 60) * 60
        horizon = now_s + min(question.days, policy.online_days_ahead) * DAY
        duration = offer.duration_minutes * 60
        before = offer.buffer_before_minutes * 60
        length = before + duration + offer.buffer_after_minutes * 60
        step = policy.slot_step_minutes * 60
        forbidden = _forbidden(
            busy.get(offer.member_id, []) + away.get(offer.member_id, []), before, length
        )
        best: NextFree | None = None
        for location_id in places_of.get(offer.member_id, ()):
            if location_id not in question.location_zones:
                continue
            spans = working_at(offer.member_id, location_id)
            allowed = [(a, b - duration + 1) for a, b in spans if b - duration >= a]
            valid = subtract(intersect(allowed, [(earliest, horizon + 1)]), forbidden)
            if offer.needs_room:
                here = rooms.get(location_id, [])
                if not here:
                    continue
                everywhere: list[Interval] | None = None
                for room_id in here:
                    blocked = _forbidden(room_busy.get(room_id, ()), before, length)
                    everywhere = blocked if everywhere is None else intersect(everywhere, blocked)
                    if not everywhere:
                        break
                valid = subtract(valid, everywhere or [])
            if not valid:
                continue
            tz = zones.get(location_id)
            if tz is None:
                tz = zones[location_id] = zone(question.location_zones[location_id])
            for a, b in valid:
                start = align_up(a, step, tz)
                if start < b:
                    if best is None or start < int(best.start.timestamp()):
                        best = NextFree(dt.datetime.fromtimestamp(start, tz=dt.UTC), location_id)
                    break
        if best is not None:
            answer[(offer.member_id, offer.service_id)] = best
    return answer
