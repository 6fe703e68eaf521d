"""The day and week calendar: columns by practitioner or by room, at one location."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from sacrum.clients import badges
from sacrum.clinics.models import Location, Room
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.bounds import DATE_RANGE_TEXT, sensible
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.scheduling import selectors
from sacrum.scheduling.calendar import (
    Column,
    build_grid,
    day_range,
    practitioner_label,
    window,
)
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, WeeklyHours
from sacrum.scheduling.models.appointments import ACTIVE_VALUES
from sacrum.scheduling.services import booking


def _pick(items: list[Any], wanted: str | None) -> Any:
    return next((i for i in items if str(i.pk) == wanted), None)


def _date(raw: str | None, default: dt.date) -> tuple[dt.date, str]:
    """The day asked for, or ``default`` with a message when it is unreadable or too far off."""
    if not raw:
        return default, ""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return default, "That is not a date (use YYYY-MM-DD); showing today."
    if not sensible(day):
        return default, f"Choose a date {DATE_RANGE_TEXT}; showing today."
    return day, ""


def _where_i_work_today(member: Any, locations: list[Location]) -> Location:
    """The calendar opens where the user works today (their weekly hours, else their
    appointments today), else at the clinic's first location."""
    now = timezone.now()
    works = set(
        WeeklyHours.objects.filter(practitioner=member, location__in=locations).values_list(
            "location_id", "weekday"
        )
    )
    for location in locations:
        if (location.pk, local(now, zone(location.time_zone)).weekday()) in works:
            return location
    booked = (
        Appointment.objects.filter(
            practitioner=member,
            location__in=locations,
            start__gte=now - dt.timedelta(hours=14),
            start__lt=now + dt.timedelta(hours=14),
            status__in=ACTIVE_VALUES,
        )
        .values_list("location_id", flat=True)
        .first()
    )
    return next((loc for loc in locations if loc.pk == booked), locations[0])


@member_required("schedule.view")
def calendar(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    member = request.member
    locations = list(Location.objects.for_member(member).filter(active=True))
    if not locations:
        return render(request, "scheduling/calendar.html", {"locations": []})
    location = _pick(locations, request.GET.get("location")) or _where_i_work_today(
        member, locations
    )
    tz = zone(location.time_zone)
    today = local(timezone.now(), tz).date()
    day, date_error = _date(request.GET.get("date"), today)
    view = "week" if request.GET.get("view") == "week" else "day"
    by = "room" if request.GET.get("by") == "room" else "practitioner"
    practitioners = list(selectors.practitioners_for(actor))
    rooms = list(Room.objects.for_member(member).filter(location=location, active=True))
    days = day_range(day, view)
    start, end = window(location, days)
    appointments = list(
        selectors.appointments_for(actor, start=start, end=end, location_id=location.pk).filter(
            status__in=ACTIVE_VALUES
        )
    )

    # Safety alerts on each card (one query for the page): a block shows to everyone,
    # warnings and referrals to those who may read why.
    alerts = badges.badges_for(
        list({a.client_id for a in appointments}), clinical=member.can("clinical.view")
    )
    for a in appointments:
        a.alert_badges = alerts.get(a.client_id, [])  # type: ignore[attr-defined]

    subject: Any = None
    working_here = set(
        WeeklyHours.objects.filter(location=location).values_list("practitioner_id", flat=True)
    ) | {a.practitioner_id for a in appointments}
    here = [p for p in practitioners if p.pk in working_here] or practitioners
    if view == "day" and by == "practitioner":
        shown = here
        columns = [
            Column(key=str(p.pk), label=practitioner_label(p), practitioner=p, day=day)
            for p in shown
        ]
    elif view == "day":
        columns = [Column(key=str(r.pk), label=r.name, room=r, day=day) for r in rooms]
    else:
        options = here if by == "practitioner" else rooms
        default = member if by == "practitioner" and member in here else None
        subject = (
            _pick(options, request.GET.get("who")) or default or (options[0] if options else None)
        )
        columns = (
            [
                Column(
                    key=d.isoformat(),
                    label=f"{d:%a} {d.day}",
                    sublabel=f"{d:%b}",
                    practitioner=subject if by == "practitioner" else None,
                    room=subject if by == "room" else None,
                    day=d,
                )
                for d in days
            ]
            if subject is not None
            else []
        )

    grid = build_grid(
        location=location,
        days=days,
        columns=columns,
        appointments=appointments,
        practitioners=[c.practitioner for c in columns if c.practitioner] or practitioners,
        can_book=member.can("schedule.edit"),
    )
    step = dt.timedelta(days=7 if view == "week" else 1)
    current = {"location": location.pk, "date": day, "view": view, "by": by}
    if subject is not None:
        current["who"] = subject.pk

    def link(**changes: Any) -> str:
        params = {**current, **changes}
        return "?" + urlencode({k: v for k, v in params.items() if v is not None})

    links = {
        "previous": link(date=day - step),
        "next": link(date=day + step),
        "today": link(date=today),
        "day": link(view="day", who=None),
        "week": link(view="week"),
        "by_practitioner": link(by="practitioner", who=None),
        "by_room": link(by="room", who=None),
    }
    if view == "week":
        for column in columns:
            column.href = link(view="day", date=column.day, who=None)
    context = {
        "links": links,
        "locations": locations,
        "location": location,
        "day": day,
        "date_error": date_error,
        "days": days,
        "today": today,
        "view": view,
        "by": by,
        "grid": grid,
        "subject": subject,
        "subjects": here if by == "practitioner" else rooms,
        "practitioners": practitioners,
        "rooms": rooms,
        "previous": day - step,
        "next": day + step,
        "tz_name": location.time_zone,
        "label_of": practitioner_label,
        # Appointments that may be dragged onto a free time (a pointer device, with JS).
        "movable": booking.MOVABLE if member.can("schedule.edit") else frozenset(),
    }
    return render(request, "scheduling/calendar.html", context)
