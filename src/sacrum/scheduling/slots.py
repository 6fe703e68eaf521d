"""The availability engine: free start times for a service at a location over a date range.

Set-based: whatever the range and the number of practitioners, it runs at most four
queries — weekly hours; exceptions, time off and closures together (one UNION);
rooms (only when the service needs one); and the active appointments in the window —
and computes everything else in Python on integer seconds:

    allowed starts  = working time (local hours → UTC for each date, minus closed
                      days and exceptions, plus extra hours), shrunk by the duration
    forbidden starts = every busy range (appointments of the practitioner or the
                      client, time off) widened by the duration and the buffers
    free starts     = allowed - forbidden, ∩ "some room is free" when needed,
                      from the minimum notice on, on the local clock's step grid.

Weekly hours are wall-clock times at the location, converted per date with that
date's offset, so a 09:00 start stays 09:00 local across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
import heapq
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BigIntegerField, CharField, DateField, F, Q, QuerySet, TimeField, Value
from django.db.models.functions import Cast

from sacrum.access.roles import Role
from sacrum.clinics.models import Location, Membership, Room
from sacrum.scheduling.db import EpochPair, EpochSeconds, IdText, JoinText, parse_pairs
from sacrum.scheduling.intervals import Interval, intersect, normalize, subtract
from sacrum.scheduling.local_time import Offsets, day_start, epoch, from_epoch, zone
from sacrum.scheduling.models import (
    Appointment,
    AvailabilityException,
    ClinicClosure,
    ExceptionKind,
    ServiceType,
    TimeOff,
    WeeklyHours,
)
from sacrum.scheduling.models.appointments import ACTIVE_VALUES

MAX_RANGE_DAYS = 92
DAY = 86400


@dataclass(frozen=True)
class Slot:
    practitioner_id: uuid.UUID
    start: dt.datetime
    end: dt.datetime


@dataclass
class SlotResult:
    """Free start times (seconds since the epoch, UTC) per practitioner, each list sorted."""

    duration: int
    by_practitioner: dict[uuid.UUID, list[int]] = field(default_factory=dict)

    def count(self) -> int:
        return sum(len(starts) for starts in self.by_practitioner.values())

    def iter_slots(self) -> Iterator[Slot]:
        """All slots by start time (then practitioner), built as datetimes only when read."""

        def stream(pid: uuid.UUID, starts: list[int]) -> Iterator[tuple[int, str, uuid.UUID]]:
            key = str(pid)
            return ((start, key, pid) for start in starts)

        streams = [stream(pid, starts) for pid, starts in self.by_practitioner.items()]
        for start, _key, pid in heapq.merge(*streams):
            yield Slot(pid, from_epoch(start), from_epoch(start + self.duration))

    def slots(self, limit: int | None = None) -> list[Slot]:
        out: list[Slot] = []
        for slot in self.iter_slots():
            if limit is not None and len(out) >= limit:
                break
            out.append(slot)
        return out


@dataclass
class WorkingTime:
    """Per practitioner: when they work at the location, and when they are away (UTC seconds)."""

    tz: dt.tzinfo
    working: dict[uuid.UUID, list[Interval]]
    away: dict[uuid.UUID, list[Interval]]


def bookable_practitioners(
    service: ServiceType, practitioner_ids: Iterable[uuid.UUID] | None = None
) -> QuerySet[Membership, Any]:
    """Active clinical staff who offer the service (a subquery, not a list)."""
    qs = Membership.objects.filter(
        offered_services=service, active=True, role__in=[Role.OWNER, Role.PRACTITIONER]
    )
    if practitioner_ids is not None:
        qs = qs.filter(pk__in=list(practitioner_ids))
    return qs.values("pk")


def _days(first_day: dt.date, last_day: dt.date) -> list[dt.date]:
    return [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]


def _changes_query(
    location: Location, practitioners: QuerySet[Any], first_day: dt.date, last_day: dt.date
) -> QuerySet[Any]:
    """Exceptions, time off and closures in one UNION ALL (one round trip)."""
    none_date = Cast(Value(None), DateField())
    none_time = Cast(Value(None), TimeField())
    none_int = Cast(Value(None), BigIntegerField())
    columns = ("kind_", "who", "day1", "day2", "time1", "time2", "epoch1", "epoch2", "place")
    exceptions = (
        AvailabilityException.objects.filter(
            practitioner__in=practitioners, date__gte=first_day, date__lte=last_day
        )
        .filter(Q(location=location) | Q(location__isnull=True))
        .annotate(
            kind_=F("kind"),
            who=IdText("practitioner_id"),
            day1=F("date"),
            day2=F("date"),
            time1=F("start_time"),
            time2=F("end_time"),
            epoch1=none_int,
            epoch2=none_int,
            place=IdText("location_id"),
        )
        .order_by()
        .values_list(*columns)
    )
    tz = zone(location.time_zone)
    window_start = day_start(first_day, tz)
    window_end = day_start(last_day + dt.timedelta(days=1), tz)
    time_off = (
        TimeOff.objects.filter(
            practitioner__in=practitioners, start__lt=window_end, end__gt=window_start
        )
        .annotate(
            kind_=Value("time_off", output_field=CharField()),
            who=IdText("practitioner_id"),
            day1=none_date,
            day2=none_date,
            time1=none_time,
            time2=none_time,
            epoch1=EpochSeconds("start"),
            epoch2=EpochSeconds("end"),
            place=Cast(Value(None), CharField()),
        )
        .order_by()
        .values_list(*columns)
    )
    closures = (
        ClinicClosure.objects.filter(
            clinic_id=location.clinic_id, first_day__lte=last_day, last_day__gte=first_day
        )
        .filter(Q(location=location) | Q(location__isnull=True))
        .annotate(
            kind_=Value("closure", output_field=CharField()),
            who=Cast(Value(None), CharField()),
            day1=F("first_day"),
            day2=F("last_day"),
            time1=none_time,
            time2=none_time,
            epoch1=none_int,
            epoch2=none_int,
            place=Cast(Value(None), CharField()),
        )
        .order_by()
        .values_list(*columns)
    )
    return exceptions.union(time_off, closures, all=True)


def working_time(
    location: Location,
    practitioners: QuerySet[Any],
    first_day: dt.date,
    last_day: dt.date,
) -> WorkingTime:
    """Two queries: weekly hours, and the union of exceptions, time off and closures."""
    tz = zone(location.time_zone)
    days = _days(first_day, last_day)
    ids: dict[str, uuid.UUID] = {}

    def pid(text: str) -> uuid.UUID:
        found = ids.get(text)
        if found is None:
            found = ids[text] = uuid.UUID(text)
        return found

    weekly: dict[uuid.UUID, dict[int, list[tuple[dt.time, dt.time]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    hours = (
        WeeklyHours.objects.filter(location=location, practitioner__in=practitioners)
        .annotate(who=IdText("practitioner_id"))
        .values_list("who", "weekday", "start_time", "end_time")
    )
    for who, weekday, start, end in hours:
        weekly[pid(who)][weekday].append((start, end))

    closed_days: set[dt.date] = set()
    closed_all: set[tuple[uuid.UUID, dt.date]] = set()
    closed_part: dict[uuid.UUID, list[tuple[dt.date, dt.time, dt.time]]] = defaultdict(list)
    extra: dict[tuple[uuid.UUID, dt.date], list[tuple[dt.time, dt.time]]] = defaultdict(list)
    away: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    for kind, who, day1, day2, time1, time2, epoch1, epoch2, _place in _changes_query(
        location, practitioners, first_day, last_day
    ):
        if kind == "closure":
            closed_days.update(d for d in days if day1 <= d <= day2)
        elif kind == "time_off":
            away[pid(who)].append((epoch1, epoch2))
        elif kind == ExceptionKind.EXTRA:
            extra[(pid(who), day1)].append((time1, time2))
        elif time1 is None:
            closed_all.add((pid(who), day1))
        else:
            closed_part[pid(who)].append((day1, time1, time2))

    cache: dict[tuple[dt.date, dt.time], int] = {}

    def at(day: dt.date, wall: dt.time) -> int:
        key = (day, wall)
        value = cache.get(key)
        if value is None:
            value = cache[key] = epoch(day, wall, tz)
        return value

    working: dict[uuid.UUID, list[Interval]] = {}
    # Most practitioners have no exception in the range: people with the same weekly
    # pattern then share one computed list (read-only downstream).
    changed = {p for p, _d in extra} | {p for p, _d in closed_all} | set(closed_part)
    shared: dict[tuple[Any, ...], list[Interval]] = {}
    for member_id in set(weekly) | {p for p, _d in extra}:
        pattern = weekly.get(member_id, {})
        key = tuple(sorted((wd, tuple(sorted(v))) for wd, v in pattern.items()))
        if member_id not in changed and key in shared:
            working[member_id] = shared[key]
            continue
        spans: list[Interval] = []
        for day in days:
            if day in closed_days:
                continue
            if (member_id, day) not in closed_all:
                spans.extend((at(day, s), at(day, e)) for s, e in pattern.get(day.weekday(), ()))
            spans.extend((at(day, s), at(day, e)) for s, e in extra.get((member_id, day), ()))
        merged = normalize(spans)
        if member_id in closed_part:
            merged = subtract(
                merged, normalize((at(d, s), at(d, e)) for d, s, e in closed_part[member_id])
            )
        working[member_id] = merged
        if member_id not in changed:
            shared[key] = merged
    return WorkingTime(tz=tz, working=working, away={p: normalize(v) for p, v in away.items()})


def _forbidden(busy: Iterable[Interval], before: int, length: int) -> list[Interval]:
    """Starts s whose blocked range [s - before, s + length) would overlap a busy range."""
    lead = length - before - 1
    return normalize([(b0 - lead, b1 + before) for b0, b1 in busy])


@dataclass
class FreeStarts:
    """Every possible start (any second) per practitioner, as intervals of UTC seconds."""

    duration: int
    offsets: Offsets | None
    intervals: dict[uuid.UUID, list[Interval]] = field(default_factory=dict)

    def is_free(self, practitioner_id: uuid.UUID, start: dt.datetime) -> bool:
        s = int(start.timestamp())
        return any(a <= s < b for a, b in self.intervals.get(practitioner_id, ()))

    def grid(self, step_minutes: int) -> SlotResult:
        """Starts on the local clock's grid (every ``step_minutes`` from local midnight)."""
        result = SlotResult(duration=self.duration)
        if self.offsets is None:
            return result
        step = step_minutes * 60
        for p, valid in self.intervals.items():
            starts: list[int] = []
            for a, b in valid:
                starts.extend(range(self.offsets.align_up(a, step), b, step))
            if starts:
                result.by_practitioner[p] = starts
        return result


def _busy(
    *,
    practitioners: QuerySet[Any],
    rooms: QuerySet[Any] | None,
    client_id: uuid.UUID | None,
    start: dt.datetime,
    end: dt.datetime,
    exclude_appointment_id: uuid.UUID | None,
) -> tuple[dict[uuid.UUID, list[Interval]], dict[uuid.UUID, list[Interval]], list[Interval]]:
    """Blocked ranges of active appointments, grouped per practitioner, room and the client.

    One query: a UNION ALL of GROUP BYs, each group's ranges joined into one string,
    so 40 000 bookings come back as a few hundred rows parsed in C.
    """
    base = Appointment.objects.filter(
        status__in=ACTIVE_VALUES, blocked_start__lt=end, blocked_end__gt=start
    )
    if exclude_appointment_id is not None:
        base = base.exclude(pk=exclude_appointment_id)

    def grouped(kind: str, column: str, condition: Q) -> QuerySet[Any]:
        rows: QuerySet[Any] = (
            base.filter(condition)
            .order_by()
            .values(column)
            .annotate(
                kind_=Value(kind, output_field=CharField()),
                spans=JoinText(EpochPair("blocked_start", "blocked_end")),
            )
            .values_list("kind_", column, "spans")
        )
        return rows

    parts = [grouped("p", "practitioner_id", Q(practitioner__in=practitioners))]
    if rooms is not None:
        parts.append(grouped("r", "room_id", Q(room__in=rooms)))
    if client_id is not None:
        parts.append(grouped("c", "client_id", Q(client_id=client_id)))
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    by_practitioner: dict[uuid.UUID, list[Interval]] = {}
    by_room: dict[uuid.UUID, list[Interval]] = {}
    client: list[Interval] = []
    for kind, key, spans in query:
        pairs = parse_pairs(spans)
        if kind == "p":
            by_practitioner[key] = pairs
        elif kind == "r":
            by_room[key] = pairs
        else:
            client.extend(pairs)
    return by_practitioner, by_room, client


def free_starts(
    *,
    service: ServiceType,
    location: Location,
    first_day: dt.date,
    last_day: dt.date,
    practitioner_ids: Iterable[uuid.UUID] | None = None,
    client_id: uuid.UUID | None = None,
    room_id: uuid.UUID | None = None,
    not_before: dt.datetime | None = None,
    exclude_appointment_id: uuid.UUID | None = None,
) -> FreeStarts:
    """When ``service`` could start at ``location`` on local days ``first_day``..``last_day``.

    ``room_id`` asks for that room in particular (otherwise any free room will do, when
    the service needs one); ``client_id`` keeps the client's own appointments free.
    """
    duration = service.duration_minutes * 60
    before = service.buffer_before_minutes * 60
    after = service.buffer_after_minutes * 60
    length = before + duration + after  # the blocked range of one slot
    result = FreeStarts(duration=duration, offsets=None)
    if last_day < first_day:
        return result
    practitioners = bookable_practitioners(service, practitioner_ids)
    time = working_time(location, practitioners, first_day, last_day)
    if not time.working:
        return result

    lo = int(day_start(first_day, time.tz).timestamp())
    hi = int(day_start(last_day + dt.timedelta(days=1), time.tz).timestamp())
    result.offsets = Offsets(time.tz, lo, hi)
    window = [(lo - before, hi + duration + after)]

    room_ids: list[uuid.UUID] = []
    rooms_qs = Room.objects.filter(location=location, active=True)
    needs_room = service.needs_room or room_id is not None
    if room_id is not None:
        rooms_qs = rooms_qs.filter(pk=room_id)
    if needs_room:
        room_ids = list(rooms_qs.values_list("pk", flat=True))
        if not room_ids:
            return result

    busy, room_busy, client_busy = _busy(
        practitioners=practitioners,
        rooms=rooms_qs.values("pk") if needs_room else None,
        client_id=client_id,
        start=from_epoch(window[0][0]),
        end=from_epoch(window[0][1]),
        exclude_appointment_id=exclude_appointment_id,
    )

    free_room_starts: list[Interval] | None = None
    if needs_room:
        # A start works when some room is free: i.e. not forbidden in every room at once.
        everywhere: list[Interval] | None = None
        for room_id in room_ids:
            forbidden = _forbidden(room_busy.get(room_id, ()), before, length)
            everywhere = forbidden if everywhere is None else intersect(everywhere, forbidden)
            if not everywhere:
                break
        free_room_starts = subtract(window, everywhere or [])

    if not_before is not None:
        earliest = -(-int(not_before.timestamp()) // 60) * 60  # up to the next whole minute
        window = [(max(window[0][0], earliest), window[0][1])]
    client_forbidden = _forbidden(client_busy, before, length)
    for p, spans in time.working.items():
        allowed = [(a, b - duration + 1) for a, b in spans if b - duration >= a]
        allowed = intersect(allowed, window)
        forbidden = _forbidden(busy.get(p, []) + time.away.get(p, []), before, length)
        valid = subtract(subtract(allowed, forbidden), client_forbidden)
        if free_room_starts is not None:
            valid = intersect(valid, free_room_starts)
        if valid:
            result.intervals[p] = valid
    return result


def find_slots(*, step_minutes: int = 15, **query: Any) -> SlotResult:
    """Free slots on the local step grid; see ``free_starts`` for the arguments."""
    return free_starts(**query).grid(step_minutes)


def check_range(days: int) -> None:
    """Refuse absurd ranges early (the engine is fast, its output would not be)."""
    from django.core.exceptions import ValidationError

    if days > MAX_RANGE_DAYS:
        raise ValidationError({"date_to": f"Search at most {MAX_RANGE_DAYS} days at once."})
    if days < 1:
        raise ValidationError({"date_to": "The end date is before the start date."})
