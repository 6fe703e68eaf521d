"""The worker's schedule: one backup per interval of SACRUM_BACKUP_EVERY_HOURS."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from sacrum.backups import crypto
from sacrum.backups.models import BackupRun, RunTrigger
from sacrum.backups.services import claim
from sacrum.backups.tasks import make_scheduled_backup


def slot_of(now: dt.datetime, every_hours: int) -> dt.datetime:
    """The start of the interval ``now`` falls in: whole multiples of ``every_hours`` (UTC)."""
    hours = int(now.timestamp() // 3600)
    start = hours - hours % every_hours
    return dt.datetime.fromtimestamp(start * 3600, tz=dt.UTC)


def scheduled_backup(now: dt.datetime) -> BackupRun | None:
    """Claim this interval's run of SACRUM_BACKUP_EVERY_HOURS and queue it for the worker.

    The backup itself runs as a background job, so a long backup never holds up the
    minute's other periodic work (reminders); the job prunes old files after success.
    """
    every = settings.BACKUP_EVERY_HOURS
    if every <= 0:
        return None
    slot = slot_of(now, every)
    if BackupRun.objects.filter(slot=slot).exists():
        return None
    run = claim(trigger=RunTrigger.SCHEDULE, now=now, slot=slot, key=crypto.configured_key())
    if run is None:
        return None
    make_scheduled_backup.enqueue(run_id=str(run.pk))
    run.refresh_from_db()
    return run
