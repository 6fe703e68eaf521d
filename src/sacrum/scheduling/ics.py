"""The calendar file (.ics, RFC 5545) attached to booking e-mails, built with ``icalendar``.

Times are written in the location's zone (``DTSTART;TZID=Europe/London:…``) with the
matching VTIMEZONE, so a calendar app shows the local wall-clock time the clinic
means, also across daylight-saving changes. The UID is stable per appointment and
SEQUENCE grows with each move, so a rescheduled or cancelled file updates the same
event instead of adding a second one. Nothing clinical goes in: service, clinic,
place and practitioner only.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from icalendar import Calendar, Event

from sacrum.scheduling.local_time import zone
from sacrum.scheduling.models import Appointment, AppointmentStatus, ChangeKind

PRODID = "-//Sacrum//Online booking//EN"


def uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@sacrum"


def sequence(appointment: Appointment) -> int:
    """How often the time or place changed: calendar apps keep the highest SEQUENCE."""
    moves = appointment.changes.exclude(kind=ChangeKind.STATUS).count()
    return moves + (1 if appointment.status == AppointmentStatus.CANCELLED else 0)


def place(appointment: Appointment) -> str:
    location = appointment.location
    parts = [location.name, location.address_line, location.postal_code, location.city]
    return ", ".join(p for p in parts if p)


def summary(appointment: Appointment) -> str:
    return f"{appointment.service.name} \N{EN DASH} {appointment.clinic.name}"


def appointment_calendar(appointment: Appointment, practitioner_name: str = "") -> bytes:
    """One VEVENT for the appointment: PUBLISH while it stands, CANCEL once cancelled."""
    tz = zone(appointment.location.time_zone)
    cancelled = appointment.status == AppointmentStatus.CANCELLED
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", uid(appointment))
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", appointment.start.astimezone(tz))
    event.add("dtend", appointment.end.astimezone(tz))
    event.add("summary", summary(appointment))
    event.add("location", place(appointment))
    lines = [f"{appointment.service.name} at {appointment.clinic.name}."]
    if practitioner_name:
        lines.append(f"With {practitioner_name}.")
    if appointment.clinic.phone:
        lines.append(f"Questions or changes: {appointment.clinic.phone}.")
    event.add("description", " ".join(lines))
    event.add("sequence", sequence(appointment))
    status = {
        AppointmentStatus.CANCELLED: "CANCELLED",
        AppointmentStatus.REQUESTED: "TENTATIVE",
    }.get(AppointmentStatus(appointment.status), "CONFIRMED")
    event.add("status", status)
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
