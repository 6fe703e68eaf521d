"""The dashboard's "Schedule" card: today's appointments, in local time.

A practitioner sees their own day; the owner and the front desk see everyone's. The
card shows times, clients' names, services, practitioners and rooms — never notes,
alerts or anything clinical, so it is the same safe card for the front desk. One query.
(Contributed by the notifications helper; see ``sacrum.web.dashboard`` for the hook.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from sacrum.access.roles import Role
from sacrum.clients import badges
from sacrum.scheduling.local_time import day_start, local, zone
from sacrum.scheduling.models import Appointment, AppointmentStatus

ORDER = 10
SHOWN = 25


def today_window(tz_name: str, now: dt.datetime) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """Today's date in the clinic's zone and its [midnight, next midnight) as UTC instants."""
    tz = zone(tz_name)
    today = now.astimezone(tz).date()
    return today, day_start(today, tz), day_start(today + dt.timedelta(days=1), tz)


def card(request: HttpRequest) -> dict[str, Any] | None:
    member = getattr(request, "member", None)
    if member is None or not member.can("schedule.view"):
        return None
    clinic = member.clinic
    now = timezone.now()
    today, start, end = today_window(clinic.time_zone, now)
    own_only = member.role == Role.PRACTITIONER
    qs = (
        Appointment.objects.for_member(member, "view")
        .filter(start__lt=end, end__gt=start)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related(
            "client",
            "service",
            "location",
            "room",
            "practitioner__user",
            "practitioner__practitioner_profile",
        )
        .only(
            "id",
            "start",
            "end",
            "status",
            "client_id",
            "client__first_name",
            "client__last_name",
            "client__preferred_name",
            "service__name",
            "location__name",
            "location__time_zone",
            "room__name",
            "practitioner__user__full_name",
            "practitioner__user__email",
            "practitioner__practitioner_profile__display_name",
        )
        .order_by("start")
    )
    if own_only:
        qs = qs.filter(practitioner=member)
    appointments = list(qs[: SHOWN + 1])
    # Safety alerts where the practitioner looks before a session (one query for the day).
    alerts = badges.badges_for(
        [a.client_id for a in appointments[:SHOWN]], clinical=member.can("clinical.view")
    )
    rows = []
    # "Chart this session" (one tap: the note starts and opens) on a clinician's own
    # sessions once they have begun; the charting page decides the rest.
    charts = member.can("clinical.edit")
    for a in appointments[:SHOWN]:
        tz = zone(a.location.time_zone)
        local_start = local(a.start, tz)
        profile = getattr(a.practitioner, "practitioner_profile", None)
        rows.append(
            {
                "appointment": a,
                "start": local_start,
                "end": local(a.end, tz),
                # Say the zone only where it differs from the clinic's.
                "zone": "" if a.location.time_zone == clinic.time_zone else local_start.tzname(),
                "practitioner": profile.display_name
                if profile
                else a.practitioner.user.display_name,
                "alerts": alerts.get(a.client_id, []),
                "past": a.end <= now,
                "current": a.start <= now < a.end,
                "chart": charts
                and a.practitioner_id == member.pk
                and a.start <= now
                and a.status not in (AppointmentStatus.NO_SHOW, AppointmentStatus.REQUESTED),
            }
        )
    return {
        "template": "scheduling/_dashboard_card.html",
        "rows": rows,
        "more": len(appointments) > SHOWN,
        "today": today,
        "own_only": own_only,
        "zone_name": clinic.time_zone,
        "calendar_query": f"date={today.isoformat()}",
    }
