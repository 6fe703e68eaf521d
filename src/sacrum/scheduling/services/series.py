"""Recurring series: plan every occurrence, let the person choose, then book them all or none.

``plan_series`` books nothing: it lists each occurrence as free or not (and why), with
the nearest free alternatives for the ones that are not. ``create_series`` books the
chosen starts — each through ``book()``, the one door — in one transaction, so a
series is never half-booked when another booking races it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Membership, Room
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.permissions import require
from sacrum.scheduling.local_time import (
    from_epoch,
    local,
    offset_text,
    repeated,
    to_utc,
    wall_label,
    zone,
)
from sacrum.scheduling.models import Appointment, SchedulingPolicy, Series, ServiceType
from sacrum.scheduling.models.series import MAX_OCCURRENCES
from sacrum.scheduling.recurrence import occurrence_dates
from sacrum.scheduling.services.booking import (
    MOVABLE,
    Booking,
    book,
    cancel,
    check_online_gate,
    check_urgent_gate,
    problem_with,
    when,
)
from sacrum.scheduling.slots import free_starts

ALTERNATIVES = 3
SEARCH_DAYS = 7  # look this many days either side for alternatives


@dataclass
class SeriesRequest:
    client: Client
    practitioner: Membership
    service: ServiceType
    location: Location
    first_date: dt.date
    local_time: dt.time
    phases: list[dict[str, Any]]
    until: dt.date | None = None
    room: Room | None = None
    time_zone: str | None = None
    note: str = ""
    source: str = "staff"  # "online": the client asked, so screening's booking gate applies


@dataclass
class Occurrence:
    start: dt.datetime
    end: dt.datetime
    free: bool
    problem: str = ""
    alternatives: list[dt.datetime] = field(default_factory=list)
    label: str = ""  # local date and time as people read it (offset shown if it repeats)
    clock_change: str = ""  # why this one is not at the series' time, or which of two it is
    alternative_labels: list[str] = field(default_factory=list)


def clock_change_note(start: dt.datetime, wall: dt.time, tz: dt.tzinfo) -> str:
    """Say so when a clock change moves an occurrence or makes its time happen twice."""
    moment = local(start, tz)
    asked = wall.strftime("%H:%M")
    day = f"{moment:%a} {moment.day} {moment:%b %Y}"
    if (moment.hour, moment.minute) != (wall.hour, wall.minute):
        return (
            f"{asked} does not exist on {day} (the clocks go forward), "
            f"so this appointment is at {moment:%H:%M}."
        )
    if repeated(moment):
        return (
            f"{asked} happens twice on {day} (the clocks go back); this appointment is "
            f"at the first {asked}, {offset_text(moment)}."
        )
    return ""


def _build(actor: Actor, request: SeriesRequest) -> Series:
    series = Series(
        clinic=actor.clinic,
        client=request.client,
        practitioner=request.practitioner,
        service=request.service,
        location=request.location,
        room=request.room,
        first_date=request.first_date,
        local_time=request.local_time.replace(second=0, microsecond=0),
        time_zone=request.time_zone or request.location.time_zone,
        phases=request.phases,
        until=request.until,
        created_by=actor.user,
    )
    zone(series.time_zone)  # a clear 422 for an unknown zone
    series.full_clean(exclude=["clinic", "client", "practitioner", "service", "location", "room"])
    return series


def _starts(series: Series) -> list[dt.datetime]:
    """Each date at the series' wall-clock time in its zone: 10:00 stays 10:00 across DST."""
    tz = zone(series.time_zone)
    dates = occurrence_dates(series.first_date, series.phases, series.until)
    return [to_utc(day, series.local_time, tz) for day in dates]


def _alternatives(slots: list[int], start: dt.datetime, taken: set[int]) -> list[dt.datetime]:
    """The nearest free grid starts to ``start``, either side, within the search window."""
    target = int(start.timestamp())
    limit = SEARCH_DAYS * 86400
    lo = bisect.bisect_left(slots, target - limit)
    hi = bisect.bisect_right(slots, target + limit)
    nearby = sorted(slots[lo:hi], key=lambda s: (abs(s - target), s))
    found = [s for s in nearby if s not in taken][:ALTERNATIVES]
    return [from_epoch(s) for s in sorted(found)]


def plan_series(*, actor: Actor, request: SeriesRequest) -> tuple[Series, list[Occurrence]]:
    """Every occurrence with whether it is free; nothing is written."""
    require(actor, "schedule.edit")
    series = _build(actor, request)
    starts = _starts(series)
    if not starts:
        raise ValidationError({"until": "No appointment falls between the first and last date."})
    tz = zone(request.location.time_zone)
    duration = dt.timedelta(minutes=request.service.duration_minutes)
    first = local(starts[0], tz).date() - dt.timedelta(days=SEARCH_DAYS)
    last = local(starts[-1], tz).date() + dt.timedelta(days=SEARCH_DAYS)
    free = free_starts(
        service=request.service,
        location=request.location,
        first_day=first,
        last_day=last,
        practitioner_ids=[request.practitioner.pk],
        client_id=request.client.pk,
        room_id=request.room.pk if request.room else None,
        not_before=timezone.now(),
    )
    step = SchedulingPolicy.for_clinic(request.location.clinic_id).slot_step_minutes
    grid = free.grid(step).by_practitioner.get(request.practitioner.pk, [])
    taken = {int(s.timestamp()) for s in starts}
    occurrences = []
    series_tz = zone(series.time_zone)
    for start in starts:
        occurrence = Occurrence(
            start=start,
            end=start + duration,
            free=True,
            label=wall_label(start, series_tz),
            clock_change=clock_change_note(start, series.local_time, series_tz),
        )
        if not free.is_free(request.practitioner.pk, start):
            occurrence.free = False
            occurrence.problem = problem_with(_unsaved(actor, request, start)) or (
                "Not free at that time."
            )
            occurrence.alternatives = _alternatives(grid, start, taken)
            occurrence.alternative_labels = [wall_label(a, tz) for a in occurrence.alternatives]
        occurrences.append(occurrence)
    return series, occurrences


def _unsaved(actor: Actor, request: SeriesRequest, start: dt.datetime) -> Appointment:
    return Appointment(
        clinic=actor.clinic,
        client=request.client,
        practitioner=request.practitioner,
        service=request.service,
        location=request.location,
        room=request.room,
        start=start,
        end=start + dt.timedelta(minutes=request.service.duration_minutes),
    )


def create_series(
    *, actor: Actor, request: SeriesRequest, starts: list[dt.datetime] | None = None
) -> tuple[Series, list[Appointment]]:
    """Book the chosen starts (default: the rule's own dates) — all of them, or none."""
    require(actor, "schedule.edit")
    series = _build(actor, request)
    chosen = sorted(set(starts)) if starts is not None else _starts(series)
    if not chosen:
        raise ValidationError({"occurrences": "Choose at least one appointment to book."})
    if len(chosen) > MAX_OCCURRENCES:
        raise ValidationError({"occurrences": f"At most {MAX_OCCURRENCES} appointments."})
    tz = zone(request.location.time_zone)
    if request.source == "online":
        check_online_gate(request.client)  # refused before anything is written
    else:
        check_urgent_gate(request.client)
    booked: list[Appointment] = []
    with transaction.atomic():
        series.save()
        audit.record(actor, AuditAction.CREATE, series)
        for start in chosen:
            label = when(start, tz)
            try:
                booked.append(
                    book(
                        actor=actor,
                        booking=Booking(
                            client=request.client,
                            practitioner=request.practitioner,
                            service=request.service,
                            location=request.location,
                            start=start,
                            room=request.room,
                            note=request.note,
                            series=series,
                            source=request.source,
                        ),
                    )
                )
            except Conflict as exc:
                raise Conflict(
                    f"{label}: {exc.message}", {"occurrences": label, **exc.fields}
                ) from exc
            except ValidationError as exc:
                raise ValidationError(
                    {"occurrences": f"{label}: {' '.join(exc.messages)}"}
                ) from exc
    return series, booked


def cancel_series(
    *,
    actor: Actor,
    series: Series,
    from_start: dt.datetime | None = None,
    reason: str = "",
    party: str = "clinic",
) -> list[Appointment]:
    """Cancel this and the following occurrences (from ``from_start``; default: from now)."""
    require(actor, "schedule.edit")
    since = from_start or timezone.now()
    targets = list(
        series.appointments.filter(start__gte=since, status__in=list(MOVABLE)).select_related(
            "clinic"
        )
    )
    with transaction.atomic():
        for appointment in targets:
            cancel(actor=actor, appointment=appointment, reason=reason, party=party)
    return targets
