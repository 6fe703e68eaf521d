"""Appointment reminders: planned and sent by the worker's tick, never twice.

Each tick does two things.

1. **Plan.** For every booked or confirmed appointment starting within the largest
   offset, each offset whose moment (start - offset) has come gets one
   ``ReminderDelivery`` row, inserted with ``ignore_conflicts`` against the unique
   (appointment, offset, start) constraint — two workers planning at once make one row.
   Only the latest due offset is sent: when a worker was down or the appointment was
   booked late, the client gets the nearest reminder, not a burst of stale ones
   (the others are kept as "superseded"). An offset whose moment had already passed
   when the appointment got its current time is not sent late ("booked_late"): who
   books on Monday for Tuesday needs the 2 h reminder, not an instant "48 h" one.
2. **Send.** Each pending row that is due is claimed by a conditional UPDATE
   (pending → sending, attempts + 1); only the worker whose UPDATE changed the row
   sends it. SMTP runs synchronously in the tick, so the row knows the outcome: sent,
   or back to pending with an exponential back-off, or failed after ``MAX_ATTEMPTS``.
   A row left "sending" by a worker that died mid-send is marked failed, not resent —
   we prefer a missed reminder to a doubled one. Before sending, rows of appointments
   that were cancelled, moved or have started are withdrawn.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.mail import get_connection
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from sacrum.clinics.mail import sender_of
from sacrum.clinics.models import Clinic
from sacrum.kernel.mail import Message, build_email
from sacrum.notifications.models import (
    DEFAULT_OFFSETS,
    MAX_ATTEMPTS,
    DeliveryState,
    ReminderDelivery,
    ReminderPolicy,
    SkipReason,
)
from sacrum.scheduling.local_time import DASH, zone
from sacrum.scheduling.models import Appointment, AppointmentChange, AppointmentStatus, ChangeKind
from sacrum.scheduling.models.catalogue import MAX_BUFFER, MAX_DURATION

log = logging.getLogger(__name__)

REMIND_STATUSES = (AppointmentStatus.BOOKED.value, AppointmentStatus.CONFIRMED.value)
FIRST_RETRY = dt.timedelta(minutes=5)
STALE_CLAIM = dt.timedelta(minutes=10)
BATCH = 200
SMTP_TIMEOUT = 20
# An appointment's blocked end is at most its start + the longest session + a buffer.
BLOCK_SLACK = dt.timedelta(minutes=MAX_DURATION + MAX_BUFFER)

D, R = DeliveryState, SkipReason


def backoff(attempts: int) -> dt.timedelta:
    """5, 10, 20, 40 … minutes after the 1st, 2nd, 3rd, 4th failed attempt."""
    factor: int = 2 ** max(attempts - 1, 0)
    return FIRST_RETRY * factor


def describe_offset(minutes: int) -> str:
    """'48 hours', '2 hours', '90 minutes', '2 days' — how people say it."""
    if minutes % (24 * 60) == 0 and minutes > 48 * 60:
        return f"{minutes // (24 * 60)} days"
    if minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


# --- planning -----------------------------------------------------------------------------


def _policies() -> tuple[dict[Any, list[int]], list[int]]:
    """Offsets by clinic id (disabled clinics map to []) and the offsets of clinics without a row."""
    by_clinic = {
        p.clinic_id: (p.offsets if p.enabled else [])
        for p in ReminderPolicy.objects.only("clinic_id", "enabled", "offsets_minutes")
    }
    return by_clinic, list(DEFAULT_OFFSETS)


def _upcoming(now: dt.datetime, horizon: dt.timedelta) -> list[Appointment]:
    """Booked/confirmed appointments starting in (now, now + horizon], with when they were booked.

    ``booked_at`` is the moment the appointment got its current start: the latest
    reschedule to that start, or its creation.
    """
    moved = (
        AppointmentChange.objects.filter(
            appointment=OuterRef("pk"), kind=ChangeKind.RESCHEDULED, to_start=OuterRef("start")
        )
        .order_by("-changed_at")
        .values("changed_at")[:1]
    )
    return list(
        Appointment.objects.filter(
            # (clinic, blocked_end) is indexed: bound it first, then the exact start range.
            clinic_id__in=list(Clinic.objects.values_list("id", flat=True)),
            blocked_end__gt=now,
            blocked_end__lte=now + horizon + BLOCK_SLACK,
            status__in=REMIND_STATUSES,
            start__gt=now,
            start__lte=now + horizon,
        )
        .select_related("client")
        .annotate(booked_at=Coalesce(Subquery(moved), F("created_at")))
        .only("id", "clinic_id", "start", "created_at", "client__email")
    )


def plan(now: dt.datetime) -> int:
    """Create the delivery rows that have come due; returns how many rows were new."""
    by_clinic, default = _policies()
    horizon_minutes = max([*default, *(o for offs in by_clinic.values() for o in offs)], default=0)
    if not horizon_minutes:
        return 0
    appointments = _upcoming(now, dt.timedelta(minutes=horizon_minutes))
    if not appointments:
        return 0
    known = set(
        ReminderDelivery.objects.filter(appointment__in=[a.pk for a in appointments]).values_list(
            "appointment_id", "offset_minutes", "appointment_start"
        )
    )
    rows = []
    for appointment in appointments:
        offsets = by_clinic.get(appointment.clinic_id, default)
        due = sorted(o for o in offsets if appointment.start - dt.timedelta(minutes=o) <= now)
        for offset in due:
            if (appointment.pk, offset, appointment.start) in known:
                continue
            due_at = appointment.start - dt.timedelta(minutes=offset)
            state, reason = D.PENDING, ""
            if offset != due[0]:
                state, reason = D.SKIPPED, R.SUPERSEDED
            elif due_at < appointment.booked_at:  # type: ignore[attr-defined]
                state, reason = D.SKIPPED, R.BOOKED_LATE
            elif not appointment.client.email:
                state, reason = D.SKIPPED, R.NO_EMAIL
            rows.append(
                ReminderDelivery(
                    clinic_id=appointment.clinic_id,
                    appointment_id=appointment.pk,
                    offset_minutes=offset,
                    appointment_start=appointment.start,
                    due_at=due_at,
                    state=state,
                    reason=reason,
                    next_attempt_at=now if state == D.PENDING else None,
                )
            )
    ReminderDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- the e-mail ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    subject: str
    body: str
    to: str
    reply_to: str


def client_zone_name(appointment: Appointment) -> str:
    """The client's own zone when the record has one, else the location's."""
    return str(getattr(appointment.client, "time_zone", "") or appointment.location.time_zone)


def compose(delivery: ReminderDelivery) -> Reminder:
    """The reminder in the client's local time: when, what, with whom, where — no health data."""
    appointment = delivery.appointment
    client = appointment.client
    clinic = appointment.clinic
    tz_name = client_zone_name(appointment)
    tz = zone(tz_name)
    start, end = appointment.start.astimezone(tz), appointment.end.astimezone(tz)
    when = (
        f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M}{DASH}{end:%H:%M} "
        f"{start:%Z} ({tz_name})"
    )
    member = appointment.practitioner
    profile = getattr(member, "practitioner_profile", None)
    with_whom = profile.display_name if profile else member.user.display_name
    location = appointment.location
    where = ", ".join(
        part
        for part in (location.name, location.address_line, location.postal_code, location.city)
        if part
    )
    if appointment.room is not None:
        where += f" (room: {appointment.room.name})"
    contact = " or ".join(x for x in (clinic.phone, clinic.email) if x)
    lines = [
        f"Hello {client.preferred_name or client.first_name},",
        "",
        f"This is a reminder of your appointment at {clinic.name}:",
        "",
        f"When:  {when}",
        f"What:  {appointment.service.name}",
        f"With:  {with_whom}",
        f"Where: {where}",
        "",
        "If you can't come, please let us know as early as you can"
        + (f": {contact}." if contact else "."),
        "",
        f"{clinic.name}",
    ]
    return Reminder(
        subject=f"Reminder: {appointment.service.name} on {start:%a} {start.day} {start:%b}, "
        f"{start:%H:%M} {start:%Z}",
        body="\n".join(lines) + "\n",
        to=client.email,
        reply_to=clinic.email,
    )


# --- sending ------------------------------------------------------------------------------


def _withdraw(now: dt.datetime) -> Counter[str]:
    """Close rows that must not be sent: cancelled, moved or started appointments, dead claims."""
    pending = ReminderDelivery.objects.filter(state=D.PENDING)
    done: Counter[str] = Counter()
    done["interrupted"] = ReminderDelivery.objects.filter(
        state=D.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(state=D.FAILED, reason=R.INTERRUPTED, next_attempt_at=None)
    done["withdrawn"] = pending.exclude(appointment__status__in=REMIND_STATUSES).update(
        state=D.CANCELLED, reason=R.CANCELLED, next_attempt_at=None
    )
    done["moved"] = pending.exclude(appointment__start=F("appointment_start")).update(
        state=D.SKIPPED, reason=R.MOVED, next_attempt_at=None
    )
    done["started"] = pending.filter(appointment_start__lte=now).update(
        state=D.SKIPPED, reason=R.STARTED, next_attempt_at=None
    )
    return done


def _claim(delivery: ReminderDelivery, now: dt.datetime) -> bool:
    """Take the row for this worker; False when another worker (or a change) got there first."""
    claimed = ReminderDelivery.objects.filter(
        Q(pk=delivery.pk, state=D.PENDING, next_attempt_at__lte=now),
        appointment__status__in=REMIND_STATUSES,
        appointment__start=F("appointment_start"),
    ).update(state=D.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    return claimed == 1


def _failed(delivery: ReminderDelivery, now: dt.datetime, error: BaseException) -> None:
    attempts = delivery.attempts + 1
    text = f"{type(error).__name__}: {error}"[:200]
    if attempts >= MAX_ATTEMPTS:
        changes: dict[str, Any] = {"state": D.FAILED, "reason": R.GAVE_UP, "next_attempt_at": None}
    else:
        changes = {"state": D.PENDING, "next_attempt_at": now + backoff(attempts)}
    ReminderDelivery.objects.filter(pk=delivery.pk, state=D.SENDING).update(
        last_error=text, **changes
    )
    # The error type only: an SMTP message may quote the client's address.
    log.warning(
        "reminder not sent",
        extra={"delivery": str(delivery.pk), "attempts": attempts, "error": type(error).__name__},
    )


def send_due(now: dt.datetime, *, limit: int = BATCH) -> Counter[str]:
    """Send the reminders that are due now; one SMTP connection for the batch."""
    done = _withdraw(now)
    due = list(
        ReminderDelivery.objects.filter(state=D.PENDING, next_attempt_at__lte=now)
        .select_related(
            "appointment__clinic",
            "appointment__client",
            "appointment__service",
            "appointment__location",
            "appointment__room",
            "appointment__practitioner__user",
            "appointment__practitioner__practitioner_profile",
        )
        .order_by("next_attempt_at", "due_at")[:limit]
    )
    if not due:
        return done
    connection = get_connection(fail_silently=False, timeout=SMTP_TIMEOUT)
    try:
        for delivery in due:
            if not _claim(delivery, now):
                done["taken"] += 1
                continue
            reminder = compose(delivery)
            appointment = delivery.appointment
            message = build_email(
                Message(
                    subject=reminder.subject,
                    body=reminder.body,
                    to=[reminder.to],
                    reply_to=[reminder.reply_to] if reminder.reply_to else None,
                    sender=sender_of(appointment.clinic, appointment.location),
                )
            )
            message.connection = connection
            try:
                message.send(fail_silently=False)
            except smtplib.SMTPRecipientsRefused as exc:  # this address only: go on
                _failed(delivery, now, exc)
                done["failed"] += 1
            except (smtplib.SMTPException, OSError) as exc:  # the server: stop this batch
                _failed(delivery, now, exc)
                done["failed"] += 1
                break
            else:
                ReminderDelivery.objects.filter(pk=delivery.pk).update(
                    state=D.SENT, sent_at=now, last_error=""
                )
                done["sent"] += 1
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    return done
