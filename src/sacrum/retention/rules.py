"""When a held clinical record may go: the clinic's rule applied to one client."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max
from django.utils import timezone

from sacrum.charting.models import SessionNote
from sacrum.clients.models import Client
from sacrum.outcomes.models import DiaryEntry, Response
from sacrum.retention.models import RetentionPolicy
from sacrum.scheduling.models import Appointment, AppointmentStatus


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def last_contact(client: Client, today: dt.date) -> dt.date:
    """The last day the clinic saw or heard from the client (never after today)."""
    days: list[dt.date] = [timezone.localdate(client.created_at)]
    visits = (
        Appointment.objects.filter(client=client, start__date__lte=today)
        .exclude(status__in=(AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW))
        .aggregate(last=Max("start"))["last"]
    )
    if visits:
        days.append(timezone.localdate(visits))
    seen = SessionNote.objects.filter(client=client).aggregate(last=Max("seen_at"))["last"]
    if seen:
        days.append(timezone.localdate(seen))
    answered = Response.objects.filter(client=client).aggregate(last=Max("completed_at"))["last"]
    if answered:
        days.append(timezone.localdate(answered))
    diary = DiaryEntry.objects.filter(client=client).aggregate(last=Max("date"))["last"]
    if diary:
        days.append(diary)
    return min(max(days), today)


def retained_until(policy: RetentionPolicy, date_of_birth: dt.date, contact: dt.date) -> dt.date:
    """The last day the record is kept: ``years_after_last_contact`` after the last contact,
    and for someone who was a minor then, at least ``years_after_majority`` after coming of age."""
    until = add_years(contact, policy.years_after_last_contact)
    majority = add_years(date_of_birth, policy.age_of_majority)
    if contact < majority:
        until = max(until, add_years(majority, policy.years_after_majority))
    return until
