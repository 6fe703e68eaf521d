"""A practitioner's appointments as an iCalendar (RFC 5545) feed.

Events carry the time (in the location's zone, with its VTIMEZONE, so a calendar app
shows 10:00 on both sides of a daylight-saving change), the service, the place and
room, and the client's initials — never a name, a note or anything clinical: the feed
URL is a secret, but calendar apps copy events to servers we don't control.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from sacrum.notifications.models import CalendarFeed
from sacrum.scheduling.local_time import zone
from sacrum.scheduling.models import Appointment, AppointmentStatus

PAST = dt.timedelta(days=30)
AHEAD = dt.timedelta(days=365)
SHOWN = (
    AppointmentStatus.REQUESTED,
    AppointmentStatus.BOOKED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.COMPLETED,
)


def initials(first: str, last: str) -> str:
    """'Ada', 'Lovelace' → 'A.L.'"""
    return "".join(f"{part.strip()[:1].upper()}." for part in (first, last) if part.strip())


def feed_appointments(feed: CalendarFeed, now: dt.datetime) -> list[Appointment]:
    """The practitioner's own appointments from a month back to a year ahead: one query."""
    return list(
        Appointment.objects.filter(
            clinic_id=feed.clinic_id,
            practitioner_id=feed.practitioner_id,
            status__in=[s.value for s in SHOWN],
            end__gt=now - PAST,
            start__lt=now + AHEAD,
        )
        .select_related("client", "service", "location", "room")
        .only(
            "id",
            "start",
            "end",
            "status",
            "updated_at",
            "client__first_name",
            "client__last_name",
            "service__name",
            "location__name",
            "location__time_zone",
            "location__address_line",
            "location__city",
            "room__name",
        )
        .order_by("start")
    )


def build_feed(feed: CalendarFeed, now: dt.datetime | None = None) -> bytes:
    now = now or timezone.now()
    clinic = feed.practitioner.clinic
    cal = Calendar()
    cal.add("prodid", "-//Sacrum//Appointments//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{clinic.name} appointments")
    cal.add("x-wr-timezone", clinic.time_zone)
    cal.add("x-published-ttl", "PT15M")
    cal.add("refresh-interval", dt.timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    host = str(settings.SITE_URL or "").split("://", 1)[-1].split("/", 1)[0] or "sacrum"
    for a in feed_appointments(feed, now):
        tz = zone(a.location.time_zone)
        who = initials(a.client.first_name, a.client.last_name)
        place = a.location.name + (f", {a.room.name}" if a.room else "")
        event = Event()
        event.add("uid", f"{a.pk}@{host}")
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("last-modified", a.updated_at.astimezone(dt.UTC))
        event.add("dtstart", a.start.astimezone(tz))
        event.add("dtend", a.end.astimezone(tz))
        event.add("summary", f"{a.service.name} · {who}")
        event.add("location", place)
        lines = [f"Client: {who}", f"Service: {a.service.name}", f"Location: {a.location.name}"]
        if a.room:
            lines.append(f"Room: {a.room.name}")
        event.add("description", "\n".join(lines))
        event.add("status", "TENTATIVE" if a.status == AppointmentStatus.REQUESTED else "CONFIRMED")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
