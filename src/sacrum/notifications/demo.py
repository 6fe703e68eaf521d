"""Demo: Stillwater reminds clients 48 h and 2 h ahead; last week's reminders show as sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from sacrum.notifications.models import DeliveryState, ReminderDelivery, ReminderPolicy
from sacrum.scheduling.models import Appointment

ORDER = 40
OFFSETS = [48 * 60, 2 * 60]


def seed(ctx: dict[str, Any]) -> str:
    clinic = ctx["clinic"]
    ReminderPolicy.objects.get_or_create(
        clinic=clinic, defaults={"enabled": True, "offsets_minutes": OFFSETS}
    )
    now = timezone.now()
    past = Appointment.objects.filter(
        clinic=clinic,
        start__gte=now - dt.timedelta(days=7),
        start__lt=now,
        status__in=("completed", "arrived", "no_show"),
    ).only("id", "start")
    rows = [
        ReminderDelivery(
            clinic=clinic,
            appointment=a,
            offset_minutes=offset,
            appointment_start=a.start,
            due_at=a.start - dt.timedelta(minutes=offset),
            state=DeliveryState.SENT,
            attempts=1,
            sent_at=a.start - dt.timedelta(minutes=offset),
        )
        for a in past
        for offset in OFFSETS
    ]
    ReminderDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return f"Notifications: reminders 48 h and 2 h ahead; {len(rows)} past reminders."
