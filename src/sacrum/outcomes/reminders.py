"""Daily diary reminders at the time the client chose, in the client's local time.

Each local day, once the chosen time has passed, the worker e-mails a fresh diary link
(valid two days, so yesterday can be filled in the next morning). "Once a day" is a
unique row per reminder and local day, created before the e-mail is queued in the same
transaction: a second tick, or a second worker, finds the row and sends nothing.
Wall-clock times are compared in the reminder's zone, so 07:30 stays 07:30 across
daylight-saving changes (a time skipped by the clocks going forward is sent just after).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.clients.models import Client
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Forbidden
from sacrum.kernel.permissions import require
from sacrum.outcomes import links
from sacrum.outcomes.models import DiaryReminder, DiaryReminderSent, InstrumentDefinition
from sacrum.outcomes.services import DIARY_KEY, _check_client, ensure_definitions

LINK_DAYS = 2


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"time_zone": "Unknown time zone."}) from exc


@transaction.atomic
def set_diary_reminder(
    *,
    actor: Actor,
    client: Client,
    local_time: dt.time,
    time_zone: str = "",
    active: bool = True,
    until: dt.date | None = None,
) -> DiaryReminder:
    """Create or change the client's daily diary e-mail (one per client)."""
    require(actor, "outcome.edit")
    _check_client(actor, client)
    if active and not client.email:
        raise ValidationError({"client": "The client has no e-mail address on file."})
    zone_name = time_zone or client.clinic.time_zone
    _zone(zone_name)
    if until is not None and until < timezone.localdate():
        raise ValidationError({"until": "The last day is in the past."})
    reminder = DiaryReminder.objects.filter(client=client).first()
    action = AuditAction.UPDATE if reminder else AuditAction.CREATE
    reminder = reminder or DiaryReminder(clinic=client.clinic, client=client)
    reminder.local_time = local_time.replace(second=0, microsecond=0)
    reminder.time_zone = zone_name
    reminder.active = active
    reminder.until = until
    reminder.member = actor.member
    reminder.full_clean(exclude=("clinic", "client", "member"))
    reminder.save()
    audit.record(actor, action, reminder)
    return reminder


@transaction.atomic
def stop_diary_reminder(*, actor: Actor, client: Client) -> None:
    require(actor, "outcome.edit")
    _check_client(actor, client)
    reminder = DiaryReminder.objects.filter(client=client).first()
    if reminder is not None:
        audit.record(actor, AuditAction.DELETE, reminder)
        reminder.delete()


def due_today(
    reminder: DiaryReminder, now: dt.datetime, last_day: dt.date | None
) -> dt.date | None:
    """The reminder's local day if its time has passed today and today's was not sent."""
    local = timezone.localtime(now, _zone(reminder.time_zone))
    day = local.date()
    if reminder.until is not None and day > reminder.until:
        return None
    if last_day is not None and last_day >= day:
        return None
    if local.time() < reminder.local_time:
        return None
    return day


def send_diary_reminders(now: dt.datetime) -> dict[str, int]:
    """E-mail each due reminder's diary link once for its local day."""
    reminders = list(
        DiaryReminder.objects.filter(active=True)
        .filter(Q(until__isnull=True) | Q(until__gte=(now - dt.timedelta(days=1)).date()))
        .annotate(last_day=Max("sent__day"))
        .select_related("client__clinic", "member__clinic", "member__user")
    )
    sent = skipped = 0
    definitions: dict[Any, InstrumentDefinition | None] = {}
    for reminder in reminders:
        try:
            day = due_today(reminder, now, reminder.last_day)  # type: ignore[attr-defined]
        except ValidationError:
            continue
        if day is None:
            continue
        clinic_id = reminder.clinic_id
        if clinic_id not in definitions:
            ensure_definitions(reminder.client.clinic)
            definitions[clinic_id] = InstrumentDefinition.objects.filter(
                clinic_id=clinic_id, key=DIARY_KEY
            ).first()
        definition = definitions[clinic_id]
        try:
            with transaction.atomic():
                row = DiaryReminderSent.objects.create(reminder=reminder, day=day)
        except IntegrityError:
            continue  # another worker sent today's
        if definition is None or reminder.member is None:
            skipped += 1
            continue
        try:
            with transaction.atomic():
                link = links.send_link(
                    actor=Actor.system(reminder.member, via="worker"),
                    client=reminder.client,
                    definition=definition,
                    days_valid=LINK_DAYS,
                )
                DiaryReminderSent.objects.filter(pk=row.pk).update(link=link)
        except (ValidationError, Forbidden):
            skipped += 1  # no e-mail address any more, or the member left: today is marked
            continue
        sent += 1
    return {"sent": sent, "skipped": skipped}
