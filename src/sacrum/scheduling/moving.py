"""The appointment page's free-time picker: where an appointment could move to (reads only).

Staff choose a day and a practitioner (ids and a date in the address, nothing else), see
the free starts of the same service at the same location on that day, tap one, and see
"from → to" before anything moves. The free times come from the availability engine
(``slots.find_slots``) with the staff rules of the slot API: from now on (no online
notice or horizon), on the clinic's slot step, the appointment's own time left free, the
client's other appointments kept clear. The move itself is ``booking.reschedule``, which
checks everything again: a time taken in the meantime is refused there, in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from sacrum.clinics.models import Membership
from sacrum.scheduling.local_time import from_epoch, local, offset_text, repeated, zone
from sacrum.scheduling.models import Appointment, SchedulingPolicy
from sacrum.scheduling.slots import bookable_practitioners, find_slots

AHEAD_DAYS = 400  # how far the day navigation goes (as the online manage page)


@dataclass
class FreeTime:
    """One tap target: the local start, its instant (epoch seconds) and how it reads."""

    at: dt.datetime
    epoch: int
    label: str


@dataclass
class Picker:
    """One day of free times for an appointment, with the neighbouring days to go to."""

    day: dt.date
    practitioner: Membership
    practitioners: list[Membership]
    times: list[FreeTime]
    today: dt.date
    chosen: FreeTime | None = None
    missed: bool = False  # a time was asked for (a drop in the calendar) that is not free
    nav: list[tuple[str, str]] = field(default_factory=list)  # (label, query) to other days

    def query(self, day: dt.date | None = None, **more: Any) -> str:
        """The address-bar query for another day (ids and a date only)."""
        parts = [f"day={(day or self.day):%Y-%m-%d}", f"with={self.practitioner.pk}"]
        parts += [f"{k}={v}" for k, v in more.items()]
        return "&".join(parts)


def _day(raw: str | None, default: dt.date, today: dt.date) -> dt.date:
    try:
        asked = dt.date.fromisoformat(raw or "")
    except ValueError:
        asked = default
    return min(max(asked, today), today + dt.timedelta(days=AHEAD_DAYS))


def _label(at: dt.datetime) -> str:
    """'09:30', or '01:30 (UTC+01:00)' in the hour the clocks go back (it happens twice)."""
    return f"{at:%H:%M} ({offset_text(at)})" if repeated(at) else f"{at:%H:%M}"


def free_times(appointment: Appointment, practitioner: Membership, day: dt.date) -> list[FreeTime]:
    """Free starts on local ``day`` for this appointment with ``practitioner`` (four queries)."""
    tz = zone(appointment.location.time_zone)
    service = appointment.service
    result = find_slots(
        service=service,
        location=appointment.location,
        first_day=day,
        last_day=day,
        practitioner_ids=[practitioner.pk],
        client_id=appointment.client_id,
        # A service without a room of its own keeps the appointment's room: it must be free.
        room_id=None if service.needs_room else appointment.room_id,
        not_before=timezone.now(),
        exclude_appointment_id=appointment.pk,
        step_minutes=SchedulingPolicy.for_clinic(appointment.clinic_id).slot_step_minutes,
    )
    own = (
        int(appointment.start.timestamp())
        if practitioner.pk == appointment.practitioner_id
        else None
    )
    starts = result.by_local_day(tz, skip=own).get(day, [])
    return [FreeTime(at, seconds, _label(at)) for at, seconds in starts]


def picker(
    appointment: Appointment,
    choosable: QuerySet[Membership],
    asked: Mapping[str, str],
) -> Picker:
    """The picker for the address bar's ``day``, ``with`` (practitioner) and ``at`` (a start).

    ``choosable`` are the practitioners the viewer may choose (their clinic's); only those
    who offer the service are offered. Anything unknown in the address falls back to the
    appointment's own practitioner and day (or today, for a past appointment).
    """
    tz = zone(appointment.location.time_zone)
    today = local(timezone.now(), tz).date()
    offering = list(
        choosable.filter(pk__in=bookable_practitioners(appointment.service)).order_by(
            "user__full_name", "user__email"
        )
    )
    chosen_id = asked.get("with", "")
    practitioner = next((p for p in offering if str(p.pk) == chosen_id), None)
    if practitioner is None:
        practitioner = next(
            (p for p in offering if p.pk == appointment.practitioner_id), appointment.practitioner
        )
        if all(p.pk != practitioner.pk for p in offering):
            offering.insert(0, practitioner)
    day = _day(asked.get("day"), local(appointment.start, tz).date(), today)
    times = free_times(appointment, practitioner, day)
    found = Picker(
        day=day, practitioner=practitioner, practitioners=offering, times=times, today=today
    )
    at = asked.get("at", "")
    if at.isdigit():
        found.chosen = next((t for t in times if t.epoch == int(at)), None)
        found.missed = found.chosen is None
    last = today + dt.timedelta(days=AHEAD_DAYS)

    week, one = dt.timedelta(days=7), dt.timedelta(days=1)
    steps = [
        ("\u2039\u2039 Week before", max(day - week, today)),
        ("\u2039 Day before", day - one),
        ("Day after \u203a", day + one),
        ("Week after \u203a\u203a", min(day + week, last)),
    ]
    found.nav = [(label, found.query(d)) for label, d in steps if today <= d <= last and d != day]
    return found


def new_time(appointment: Appointment, epoch: int) -> tuple[dt.datetime, dt.datetime]:
    """The moved appointment's local start and end for the "from → to" step."""
    tz = zone(appointment.location.time_zone)
    length = int((appointment.end - appointment.start).total_seconds())
    return local(from_epoch(epoch), tz), local(from_epoch(epoch + length), tz)
