"""The day and week calendars as a CSS grid, laid out on the server.

Each row of the grid is five minutes of local time at the location; each column is a
practitioner, a room or a day. Items are placed with position classes
(``gr-<row> gs-<span> gc-<column>`` from ``scheduling/scheduling.css``) because the
Content-Security-Policy allows no inline styles. Three queries whatever the number of
columns: appointments, then weekly hours and their changes (``working_time``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from sacrum.clinics.models import Location, Membership, Room
from sacrum.scheduling.intervals import normalize
from sacrum.scheduling.local_time import from_epoch, local, to_utc, zone
from sacrum.scheduling.models import Appointment
from sacrum.scheduling.slots import working_time

MINUTES_PER_ROW = 5
FREE_STEP = 15  # an empty slot link every quarter of an hour
DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR = 8, 18
MAX_COLUMNS = 40
MAX_SPAN = 289  # a whole day of 5-minute rows, as far as scheduling.css has classes


@dataclass
class Block:
    """Something placed in the grid: an appointment, a free slot link, working time."""

    kind: str  # "appointment", "free", "open"
    row: int
    span: int
    column: int
    label: str = ""
    meta: str = ""
    start: dt.datetime | None = None
    appointment: Appointment | None = None
    book_query: str = ""
    move_query: str = ""  # the appointment picker's day, practitioner and time (dragging)

    @property
    def css(self) -> str:
        return f"gr-{self.row} gs-{min(self.span, MAX_SPAN)} gc-{self.column}"


@dataclass
class Column:
    key: str
    label: str
    sublabel: str = ""
    practitioner: Membership | None = None
    room: Room | None = None
    day: dt.date | None = None
    href: str = ""


@dataclass
class Grid:
    tz: dt.tzinfo
    days: list[dt.date]
    first_minute: int
    last_minute: int
    columns: list[Column] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    hours: list[tuple[int, str]] = field(default_factory=list)
    now_row: int | None = None

    @property
    def rows(self) -> int:
        return (self.last_minute - self.first_minute) // MINUTES_PER_ROW

    def row_of(self, minute: int) -> int:
        """Grid row of a minute of the local day (the headers are a grid of their own)."""
        return 1 + (minute - self.first_minute) // MINUTES_PER_ROW


def _minute(instant: dt.datetime, tz: dt.tzinfo, day: dt.date) -> int:
    """Minutes since local midnight of ``day`` (negative before, >1440 after)."""
    wall = local(instant, tz)
    return (wall.date() - day).days * 1440 + wall.hour * 60 + wall.minute


def build_grid(
    *,
    location: Location,
    days: list[dt.date],
    columns: list[Column],
    appointments: Iterable[Appointment],
    practitioners: list[Membership],
    can_book: bool,
) -> Grid:
    """Place appointments, working time and free-slot links for ``columns`` over ``days``.

    A column is one practitioner or one room on one of ``days`` (day view: one day, many
    columns; week view: one practitioner or room, one column per day).
    """
    tz = zone(location.time_zone)
    appointments = list(appointments)
    time = working_time(
        location,
        Membership.objects.filter(pk__in=[p.pk for p in practitioners]).values("pk"),
        days[0],
        days[-1],
    )
    first = DEFAULT_FIRST_HOUR * 60
    last = DEFAULT_LAST_HOUR * 60
    for spans in time.working.values():
        for a, b in spans:
            for day in days:
                start, end = _minute(from_epoch(a), tz, day), _minute(from_epoch(b), tz, day)
                if 0 <= start < 1440:
                    first, last = min(first, start), max(last, min(end, 1440))
    for appt in appointments:
        day = local(appt.start, tz).date()
        first = min(first, max(0, _minute(appt.start, tz, day)))
        last = max(last, min(1440, _minute(appt.end, tz, day)))
    first, last = first // 60 * 60, min(1440, -(-last // 60) * 60)
    grid = Grid(tz=tz, days=days, first_minute=first, last_minute=last, columns=columns)
    grid.hours = [(grid.row_of(m), f"{m // 60:02}:00") for m in range(first, last, 60)]

    now = timezone.now()
    for index, column in enumerate(columns, start=2):
        day = column.day or days[0]
        mine = [
            a
            for a in appointments
            if local(a.start, tz).date() == day
            and (column.practitioner is None or a.practitioner_id == column.practitioner.pk)
            and (column.room is None or a.room_id == column.room.pk)
        ]
        for appt in mine:
            start = max(first, _minute(appt.start, tz, day))
            end = min(last, _minute(appt.end, tz, day))
            where = (appt.room.name if column.practitioner is not None and appt.room else "") or (
                practitioner_label(appt.practitioner) if column.room is not None else ""
            )
            grid.blocks.append(
                Block(
                    kind="appointment",
                    row=grid.row_of(start),
                    span=max(1, (end - start) // MINUTES_PER_ROW),
                    column=index,
                    appointment=appt,
                    start=appt.start,
                    label=f"{local(appt.start, tz):%H:%M}\u2013{local(appt.end, tz):%H:%M}",
                    meta=" \u00b7 ".join(x for x in (appt.service.name, where) if x),
                )
            )
        if column.practitioner is not None:
            spans = time.working.get(column.practitioner.pk, [])
        else:  # a room is bookable while anyone works at the location
            spans = normalize(s for member_spans in time.working.values() for s in member_spans)
        day_start = int(to_utc(day, dt.time(0), tz).timestamp())
        day_end = int(to_utc(day + dt.timedelta(days=1), dt.time(0), tz).timestamp())
        busy = [(a.start, a.end) for a in mine if a.is_active]
        for a, b in spans:
            a, b = max(a, day_start), min(b, day_end)
            if a >= b:
                continue
            open_start, open_end = _minute(from_epoch(a), tz, day), _minute(from_epoch(b), tz, day)
            grid.blocks.append(
                Block(
                    kind="open",
                    row=grid.row_of(open_start),
                    span=(open_end - open_start) // MINUTES_PER_ROW,
                    column=index,
                )
            )
            if not can_book:
                continue
            minute = -(-open_start // FREE_STEP) * FREE_STEP
            while minute + FREE_STEP <= open_end:
                slot = to_utc(day, dt.time(minute // 60, minute % 60), tz)
                slot_end = slot + dt.timedelta(minutes=FREE_STEP)
                taken = any(s < slot_end and slot < e for s, e in busy)
                if slot > now and not taken:
                    grid.blocks.append(
                        Block(
                            kind="free",
                            row=grid.row_of(minute),
                            span=FREE_STEP // MINUTES_PER_ROW,
                            column=index,
                            start=slot,
                            label=f"{minute // 60:02}:{minute % 60:02}",
                            book_query=_query(column, location, local(slot, tz), days),
                            move_query=_move_query(column, day, slot),
                        )
                    )
                minute += FREE_STEP
    today = local(now, tz).date()
    if today in days:
        minute = _minute(now, tz, today)
        if first <= minute < last:
            grid.now_row = grid.row_of(minute)
    return grid


def _query(column: Column, location: Location, wall: dt.datetime, days: list[dt.date]) -> str:
    from urllib.parse import urlencode

    params: dict[str, Any] = {"location": location.pk, "start": wall.strftime("%Y-%m-%dT%H:%M")}
    if column.practitioner is not None:
        params["practitioner"] = column.practitioner.pk
    if column.room is not None:
        params["room"] = column.room.pk
    return urlencode(params)


def _move_query(column: Column, day: dt.date, slot: dt.datetime) -> str:
    """Where dropping an appointment on this free time leads: the picker's "from → to"."""
    who = f"&with={column.practitioner.pk}" if column.practitioner is not None else ""
    return f"day={day:%Y-%m-%d}{who}&at={int(slot.timestamp())}"


def day_range(day: dt.date, view: str) -> list[dt.date]:
    if view == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return [monday + dt.timedelta(days=i) for i in range(7)]
    return [day]


def window(location: Location, days: list[dt.date]) -> tuple[dt.datetime, dt.datetime]:
    tz = zone(location.time_zone)
    return to_utc(days[0], dt.time(0), tz), to_utc(days[-1] + dt.timedelta(days=1), dt.time(0), tz)


def practitioner_label(member: Membership) -> str:
    profile = getattr(member, "practitioner_profile", None)
    return profile.display_name if profile else member.user.display_name
