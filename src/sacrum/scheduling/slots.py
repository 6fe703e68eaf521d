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

``many_free_starts`` / ``next_free`` are the same rules for many practitioners, services
and places at once (the public directory's pages, the slot feed): the weekly hours and
offers come from the caller, then two queries — the changes with the places' rooms (one
UNION ALL), and the grouped appointments of the practitioners and rooms.
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
from django.utils import timezone

from sacrum.access.roles import Role
from sacrum.clinics.models import Location, Membership, Room
from sacrum.scheduling.db import EpochPair, EpochSeconds, IdText, JoinText, parse_pairs
from sacrum.scheduling.intervals import Interval, intersect, normalize, subtract
from sacrum.scheduling.local_time import Offsets, day_start, epoch, from_epoch, local, zone
from sacrum.scheduling.models import (
    Appointment,
    AvailabilityException,
    ClinicClosure,
    ExceptionKind,
    SchedulingPolicy,
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

    def by_local_day(
        self, tz: dt.tzinfo, horizon: int | None = None, skip: int | None = None
    ) -> dict[dt.date, list[tuple[dt.datetime, int]]]:
        """Distinct starts (any practitioner) per local day as ``(local start, epoch)``.

        ``horizon`` drops starts after that instant; ``skip`` leaves one start out (the
        appointment's own time, when moving it).
        """
        starts = sorted({s for found in self.by_practitioner.values() for s in found})
        by_day: dict[dt.date, list[tuple[dt.datetime, int]]] = {}
        for seconds in starts:
            if horizon is not None and seconds > horizon:
                break
            if seconds == skip:
                continue
            at = local(from_epoch(seconds), tz)
            by_day.setdefault(at.date(), []).append((at, seconds))
        return by_day

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


@dataclass
class Changes:
    """What changes the weekly pattern over a range, for many practitioners and places.

    ``place`` ``None`` means "at every place" (an exception or closure without a location).
    """

    clinic_closed: dict[uuid.UUID, set[dt.date]] = field(default_factory=lambda: defaultdict(set))
    place_closed: dict[uuid.UUID, set[dt.date]] = field(default_factory=lambda: defaultdict(set))
    closed_all: set[tuple[uuid.UUID, uuid.UUID | None, dt.date]] = field(default_factory=set)
    closed_part: dict[uuid.UUID, list[tuple[uuid.UUID | None, dt.date, dt.time, dt.time]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    extra: dict[tuple[uuid.UUID, uuid.UUID], list[tuple[dt.date, dt.time, dt.time]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    away: dict[uuid.UUID, list[Interval]] = field(default_factory=lambda: defaultdict(list))
    rooms: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=lambda: defaultdict(list))

    def changed(self) -> set[uuid.UUID]:
        """Practitioners with any exception in the range (the others share computed spans)."""
        return (
            {m for m, _p in self.extra}
            | {m for m, _p, _d in self.closed_all}
            | set(self.closed_part)
        )


class _Ids:
    """Text ids from the database → UUIDs, each converted once."""

    def __init__(self) -> None:
        self.seen: dict[Any, uuid.UUID] = {}

    def __call__(self, value: Any) -> uuid.UUID:
        found = self.seen.get(value)
        if found is None:
            found = self.seen[value] = value if isinstance(value, uuid.UUID) else uuid.UUID(value)
        return found


def _who(members: QuerySet[Any] | list[uuid.UUID]) -> Q:
    return (
        Q(practitioner__in=members)
        if isinstance(members, QuerySet)
        else Q(practitioner_id__in=members)
    )


def _changes_query(
    members: QuerySet[Any] | list[uuid.UUID],
    clinics: list[uuid.UUID],
    locations: list[uuid.UUID],
    first_day: dt.date,
    last_day: dt.date,
    start: dt.datetime,
    end: dt.datetime,
    *,
    rooms: bool,
) -> QuerySet[Any]:
    """Exceptions, time off, closures (and active rooms) in one UNION ALL (one round trip)."""
    none_date = Cast(Value(None), DateField())
    none_time = Cast(Value(None), TimeField())
    none_int = Cast(Value(None), BigIntegerField())
    none_text = Cast(Value(None), CharField())
    columns = ("kind_", "who", "place", "day1", "day2", "time1", "time2", "epoch1", "epoch2")
    here = Q(location_id__in=locations) | Q(location__isnull=True)
    exceptions = (
        AvailabilityException.objects.filter(_who(members), date__gte=first_day, date__lte=last_day)
        .filter(here)
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
        TimeOff.objects.filter(_who(members), start__lt=end, end__gt=start)
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
        .filter(here)
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
    parts = [time_off, closures]
    if rooms:
        parts.append(
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
    return exceptions.union(*parts, all=True)


def read_changes(
    members: QuerySet[Any] | list[uuid.UUID],
    clinics: list[uuid.UUID],
    locations: list[uuid.UUID],
    first_day: dt.date,
    last_day: dt.date,
    start: dt.datetime,
    end: dt.datetime,
    *,
    rooms: bool = False,
    ids: _Ids | None = None,
) -> Changes:
    """One query: every change to the weekly pattern of ``members`` at ``locations``."""
    ids = ids or _Ids()
    changes = Changes()
    for kind, who, place, day1, day2, time1, time2, epoch1, epoch2 in _changes_query(
        members, clinics, locations, first_day, last_day, start, end, rooms=rooms
    ):
        where = ids(place) if place else None
        if kind == "room":
            assert where is not None
            changes.rooms[where].append(ids(who))
        elif kind == "closure":
            span = (day1 + dt.timedelta(days=i) for i in range((day2 - day1).days + 1))
            closed = {d for d in span if first_day <= d <= last_day}
            if where is not None:
                changes.place_closed[where].update(closed)
            else:
                changes.clinic_closed[ids(who)].update(closed)
        elif kind == "time_off":
            changes.away[ids(who)].append((epoch1, epoch2))
        elif kind == ExceptionKind.EXTRA:
            assert where is not None  # a database constraint
            changes.extra[(ids(who), where)].append((day1, time1, time2))
        elif time1 is None:
            changes.closed_all.add((ids(who), where, day1))
        else:
            changes.closed_part[ids(who)].append((where, day1, time1, time2))
    changes.away = {p: normalize(v) for p, v in changes.away.items()}
    return changes


class _Clock:
    """Wall-clock times at one place → epoch seconds, each (day, time) computed once."""

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self.cache: dict[tuple[dt.date, dt.time], int] = {}

    def __call__(self, day: dt.date, wall: dt.time) -> int:
        key = (day, wall)
        value = self.cache.get(key)
        if value is None:
            value = self.cache[key] = epoch(day, wall, self.tz)
        return value


def _working_spans(
    member_id: uuid.UUID,
    location_id: uuid.UUID,
    clinic_id: uuid.UUID,
    pattern: dict[int, list[tuple[dt.time, dt.time]]],
    days: list[dt.date],
    changes: Changes,
    at: _Clock,
) -> list[Interval]:
    """When a practitioner works at a place over ``days``: weekly hours with the changes."""
    shut = changes.place_closed.get(location_id, set()) | changes.clinic_closed.get(
        clinic_id, set()
    )
    spans: list[Interval] = []
    extra = changes.extra.get((member_id, location_id), ())
    for day in days:
        if day in shut:
            continue
        if (member_id, None, day) not in changes.closed_all and (
            member_id,
            location_id,
            day,
        ) not in changes.closed_all:
            spans.extend((at(day, s), at(day, e)) for s, e in pattern.get(day.weekday(), ()))
    spans.extend(
        (at(d, s), at(d, e)) for d, s, e in extra if d not in shut and days[0] <= d <= days[-1]
    )
    merged = normalize(spans)
    parts = [
        (at(d, s), at(d, e))
        for place, d, s, e in changes.closed_part.get(member_id, ())
        if place is None or place == location_id
    ]
    if parts:
        merged = subtract(merged, normalize(parts))
    return merged


def working_time(
    location: Location,
    practitioners: QuerySet[Any],
    first_day: dt.date,
    last_day: dt.date,
) -> WorkingTime:
    """Two queries: weekly hours, and the union of exceptions, time off and closures."""
    tz = zone(location.time_zone)
    days = _days(first_day, last_day)
    ids = _Ids()
    weekly: dict[uuid.UUID, dict[int, list[tuple[dt.time, dt.time]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    hours = (
        WeeklyHours.objects.filter(location=location, practitioner__in=practitioners)
        .annotate(who=IdText("practitioner_id"))
        .values_list("who", "weekday", "start_time", "end_time")
    )
    for who, weekday, start, end in hours:
        weekly[ids(who)][weekday].append((start, end))
    changes = read_changes(
        practitioners,
        [location.clinic_id],
        [location.pk],
        first_day,
        last_day,
        day_start(first_day, tz),
        day_start(last_day + dt.timedelta(days=1), tz),
        ids=ids,
    )
    at = _Clock(tz)
    working: dict[uuid.UUID, list[Interval]] = {}
    # Most practitioners have no exception in the range: people with the same weekly
    # pattern then share one computed list (read-only downstream).
    changed = changes.changed()
    shared: dict[tuple[Any, ...], list[Interval]] = {}
    for member_id in set(weekly) | {p for p, _loc in changes.extra}:
        pattern = weekly.get(member_id, {})
        key = tuple(sorted((wd, tuple(sorted(v))) for wd, v in pattern.items()))
        if member_id not in changed and key in shared:
            working[member_id] = shared[key]
            continue
        merged = _working_spans(
            member_id, location.pk, location.clinic_id, pattern, days, changes, at
        )
        working[member_id] = merged
        if member_id not in changed:
            shared[key] = merged
    return WorkingTime(tz=tz, working=working, away=dict(changes.away))


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
    practitioners: QuerySet[Any] | list[uuid.UUID],
    rooms: Q | None,
    client_id: uuid.UUID | None,
    start: dt.datetime,
    end: dt.datetime,
    exclude_appointment_id: uuid.UUID | None = None,
    ids: _Ids | None = None,
) -> tuple[dict[uuid.UUID, list[Interval]], dict[uuid.UUID, list[Interval]], list[Interval]]:
    """Blocked ranges of active appointments, grouped per practitioner, room and the client.

    One query: a UNION ALL of GROUP BYs, each group's ranges joined into one string,
    so 40 000 bookings come back as a few hundred rows parsed in C. ``rooms`` says which
    rooms' bookings count (e.g. ``Q(room__location_id__in=…)``).
    """
    ids = ids or _Ids()
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
                key=IdText(column),
                spans=JoinText(EpochPair("blocked_start", "blocked_end")),
            )
            .values_list("kind_", "key", "spans")
        )
        return rows

    # Online holds past their time no longer hold it, even before the periodic job has
    # cancelled them: the same query also returns them ("x…" rows) to take back out.
    lapsed = Q(status="requested", hold_expires_at__lte=timezone.now())
    parts = [
        grouped("p", "practitioner_id", _who(practitioners)),
        grouped("xp", "practitioner_id", _who(practitioners) & lapsed),
    ]
    if rooms is not None:
        parts += [grouped("r", "room_id", rooms), grouped("xr", "room_id", rooms & lapsed)]
    if client_id is not None:
        mine = Q(client_id=client_id)
        parts += [grouped("c", "client_id", mine), grouped("xc", "client_id", mine & lapsed)]
    query = parts[0].union(*parts[1:], all=True)
    found: dict[str, dict[uuid.UUID, list[Interval]]] = {}
    for kind, key, spans in query:
        found.setdefault(kind, {})[ids(key)] = parse_pairs(spans)
    for kind in ("p", "r", "c"):
        for key, gone in found.get("x" + kind, {}).items():
            _take_out(found.get(kind, {}).get(key, []), gone)
    client = [pair for pairs in found.get("c", {}).values() for pair in pairs]
    return found.get("p", {}), found.get("r", {}), client


def _take_out(pairs: list[Interval], gone: list[Interval]) -> None:
    """Remove one occurrence of each range in ``gone`` from ``pairs`` (in place)."""
    for pair in gone:
        if pair in pairs:
            pairs.remove(pair)


def _free_room_starts(
    room_ids: Iterable[uuid.UUID],
    room_busy: dict[uuid.UUID, list[Interval]],
    before: int,
    length: int,
    window: list[Interval],
) -> list[Interval]:
    """Starts at which some room is free: i.e. not forbidden in every room at once."""
    everywhere: list[Interval] | None = None
    for room_id in room_ids:
        forbidden = _forbidden(room_busy.get(room_id, ()), before, length)
        everywhere = forbidden if everywhere is None else intersect(everywhere, forbidden)
        if not everywhere:
            break
    return subtract(window, everywhere or [])


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
        rooms=Q(room__in=rooms_qs.values("pk")) if needs_room else None,
        client_id=client_id,
        start=from_epoch(window[0][0]),
        end=from_epoch(window[0][1]),
        exclude_appointment_id=exclude_appointment_id,
    )

    free_room_starts: list[Interval] | None = None
    if needs_room:
        free_room_starts = _free_room_starts(room_ids, room_busy, before, length, window)

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


# --- many practitioners, services and places at once --------------------------------------


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
class ManyQuery:
    """Free time of many practitioners, services and places from ``now`` for ``days``.

    The caller has already read the weekly hours and offers (a directory reads them with
    its own filters); the engine reads the rest. Each clinic's booking rules apply: the
    minimum notice, how far ahead people may book and the slot step.
    """

    now: dt.datetime
    days: int
    hours: list[Hours]
    offers: list[Offer]
    location_zones: dict[uuid.UUID, str]
    location_clinics: dict[uuid.UUID, uuid.UUID]
    policies: dict[uuid.UUID, SchedulingPolicy]


@dataclass
class ManyFree:
    """Per (practitioner, service, place): every possible start, as UTC-second intervals."""

    query: ManyQuery
    intervals: dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID], list[Interval]]

    def policy(self, clinic_id: uuid.UUID) -> SchedulingPolicy:
        return self.query.policies.get(clinic_id) or SchedulingPolicy(clinic_id=clinic_id)

    def zone_of(self, location_id: uuid.UUID) -> dt.tzinfo:
        return zone(self.query.location_zones[location_id])


def many_free_starts(query: ManyQuery) -> ManyFree:
    """Two queries whatever the number of practitioners, clinics and places.

    One UNION ALL of exceptions, time off, closures and rooms, and one of the grouped
    appointments of the practitioners and of the places' rooms; then the same rules as
    ``free_starts`` in Python for every offer at every place the practitioner works.
    """
    result = ManyFree(query=query, intervals={})
    if not query.hours or not query.offers:
        return result
    now = query.now
    ids = _Ids()
    members = sorted({h.member_id for h in query.hours})
    locations = sorted(
        {h.location_id for h in query.hours if h.location_id in query.location_zones}
    )
    clinics = sorted({query.location_clinics[loc] for loc in locations})
    # Local days can differ by a day between zones: read one more on each side.
    first_day = (now - dt.timedelta(days=1)).date()
    last_day = (now + dt.timedelta(days=query.days + 1)).date()
    window_start = now - dt.timedelta(hours=2)
    window_end = now + dt.timedelta(days=query.days + 2)
    needs_room = any(o.needs_room for o in query.offers)
    changes = read_changes(
        members, clinics, locations, first_day, last_day, window_start, window_end,
        rooms=needs_room, ids=ids,
    )  # fmt: skip
    busy, room_busy, _client = _busy(
        practitioners=members,
        rooms=Q(room__location_id__in=locations) if needs_room else None,
        client_id=None,
        start=window_start,
        end=window_end,
        ids=ids,
    )
    weekly: dict[tuple[uuid.UUID, uuid.UUID], dict[int, list[tuple[dt.time, dt.time]]]] = (
        defaultdict(lambda: defaultdict(list))
    )
    for h in query.hours:
        weekly[(h.member_id, h.location_id)][h.weekday].append((h.start, h.end))
    places_of: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for member_id, location_id in sorted(set(weekly) | set(changes.extra), key=str):
        if location_id in query.location_zones:
            places_of[member_id].append(location_id)

    days = _days(first_day, last_day)
    clocks: dict[str, _Clock] = {}  # by zone name: places in one zone share the conversions
    working: dict[tuple[uuid.UUID, uuid.UUID], list[Interval]] = {}
    # As in ``working_time``: practitioners without exceptions who work the same hours at
    # the same place share one computed list (read-only downstream).
    changed = changes.changed()
    shared: dict[tuple[Any, ...], list[Interval]] = {}

    def working_at(member_id: uuid.UUID, location_id: uuid.UUID) -> list[Interval]:
        key = (member_id, location_id)
        found = working.get(key)
        if found is not None:
            return found
        pattern = weekly.get(key, {})
        same: tuple[Any, ...] | None = None
        if member_id not in changed:
            same = (location_id, tuple(sorted((wd, tuple(sorted(v))) for wd, v in pattern.items())))
            found = shared.get(same)
        if found is None:
            name = query.location_zones[location_id]
            at = clocks.get(name)
            if at is None:
                at = clocks[name] = _Clock(zone(name))
            found = _working_spans(
                member_id, location_id, query.location_clinics[location_id],
                pattern, days, changes, at,
            )  # fmt: skip
            if same is not None:
                shared[same] = found
        working[key] = found
        return found

    now_s = int(now.timestamp())
    rooms_free: dict[tuple[uuid.UUID, int, int], list[Interval]] = {}
    for offer in query.offers:
        policy = result.policy(offer.clinic_id)
        earliest = -(-(now_s + policy.minimum_notice_minutes * 60) // 60) * 60
        horizon = now_s + min(query.days, policy.online_days_ahead) * DAY
        window = [(earliest, horizon + 1)]
        duration = offer.duration_minutes * 60
        before = offer.buffer_before_minutes * 60
        length = before + duration + offer.buffer_after_minutes * 60
        forbidden = _forbidden(
            busy.get(offer.member_id, []) + changes.away.get(offer.member_id, []), before, length
        )
        for location_id in places_of.get(offer.member_id, ()):
            spans = working_at(offer.member_id, location_id)
            allowed = [(a, b - duration + 1) for a, b in spans if b - duration >= a]
            valid = subtract(intersect(allowed, window), forbidden)
            if offer.needs_room and valid:
                key = (location_id, before, length)
                free_room = rooms_free.get(key)
                if free_room is None:
                    here = changes.rooms.get(location_id, [])
                    free_room = rooms_free[key] = (
                        _free_room_starts(here, room_busy, before, length, window) if here else []
                    )
                valid = intersect(valid, free_room)
            if valid:
                result.intervals[(offer.member_id, offer.service_id, location_id)] = valid
    return result


def next_free(query: ManyQuery) -> dict[tuple[uuid.UUID, uuid.UUID], NextFree]:
    """(practitioner, service) → the first free start on its clinic's slot grid (two queries)."""
    found = many_free_starts(query)
    answer: dict[tuple[uuid.UUID, uuid.UUID], NextFree] = {}
    clinics = {o.service_id: o.clinic_id for o in query.offers}
    for (member_id, service_id, location_id), valid in found.intervals.items():
        step = found.policy(clinics[service_id]).slot_step_minutes * 60
        tz = found.zone_of(location_id)
        for a, b in valid:
            start = align_up(a, step, tz)
            if start < b:
                best = answer.get((member_id, service_id))
                if best is None or start < int(best.start.timestamp()):
                    answer[(member_id, service_id)] = NextFree(from_epoch(start), location_id)
                break
    return answer


def _offset(seconds: int, tz: dt.tzinfo) -> int:
    offset = from_epoch(seconds).astimezone(tz).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def align_up(seconds: int, step: int, tz: dt.tzinfo) -> int:
    """The first instant at or after ``seconds`` on the local clock's ``step`` grid.

    For one start only: two offset look-ups (before and after the step, in case the
    clocks change in between) instead of building an ``Offsets`` table.
    """
    offset = _offset(seconds, tz)
    start = seconds + (-(seconds + offset)) % step
    later = _offset(start, tz)
    if later != offset:
        start = seconds + (-(seconds + later)) % step
    return start


def check_range(days: int) -> None:
    """Refuse absurd ranges early (the engine is fast, its output would not be)."""
    from django.core.exceptions import ValidationError

    if days > MAX_RANGE_DAYS:
        raise ValidationError({"date_to": f"Search at most {MAX_RANGE_DAYS} days at once."})
    if days < 1:
        raise ValidationError({"date_to": "The end date is before the start date."})
