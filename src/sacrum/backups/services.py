"""Backups the server makes on its own schedule, each recorded, the oldest files pruned."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sacrum.backups import crypto
from sacrum.backups.dump import make_backup
from sacrum.backups.errors import BackupError
from sacrum.backups.models import BackupRun, RunState, RunTrigger

log = logging.getLogger(__name__)

PREFIX = "sacrum-backup-"
SUFFIXES = (".tar.gz", ".tar.gz.fernet")


def default_name(now: dt.datetime, key: str | None) -> str:
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{PREFIX}{stamp}{SUFFIXES[1] if key else SUFFIXES[0]}"


def error_summary(exc: BaseException) -> str:
    """A reason a person can act on, never the text of a database error (it may quote data)."""
    if isinstance(exc, BackupError):
        return str(exc)[:300]
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"[:300]
    return f"{type(exc).__name__} (see the worker's log)"


def run_backup(
    *,
    trigger: str,
    now: dt.datetime,
    path: Path | None = None,
    slot: dt.datetime | None = None,
    progress: Callable[[str], None] = lambda _line: None,
) -> BackupRun | None:
    """Make one recorded backup; None when this schedule slot already has its run.

    A failure is recorded on the run (``state``, ``error``) and not raised.
    """
    key = crypto.configured_key()
    try:
        with transaction.atomic():
            run = BackupRun.objects.create(
                trigger=trigger, slot=slot, started_at=now, encrypted=key is not None
            )
    except IntegrityError:  # another worker (or an earlier tick) took this slot
        return None
    path = path or Path(settings.BACKUP_DIR) / default_name(now, key)
    try:
        summary = make_backup(path, key=key, now=now, progress=progress)
    except Exception as exc:
        log.error("backup failed", extra={"error": type(exc).__name__})
        BackupRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED, finished_at=timezone.now(), error=error_summary(exc)
        )
    else:
        BackupRun.objects.filter(pk=run.pk).update(
            state=RunState.OK,
            finished_at=timezone.now(),
            file_name=path.name,
            size_bytes=summary.size,
        )
    run.refresh_from_db()
    return run


def prune(folder: Path, keep: int) -> int:
    """Delete all but the newest ``keep`` backup files (by their dated names) in ``folder``."""
    if not folder.is_dir():
        return 0
    ours = sorted(
        p for p in folder.iterdir() if p.name.startswith(PREFIX) and p.name.endswith(SUFFIXES)
    )
    old = ours[: max(len(ours) - keep, 0)]
    for path in old:
        path.unlink(missing_ok=True)
    return len(old)


def slot_of(now: dt.datetime, every_hours: int) -> dt.datetime:
    """The start of the interval ``now`` falls in: whole multiples of ``every_hours`` (UTC)."""
    hours = int(now.timestamp() // 3600)
    start = hours - hours % every_hours
    return dt.datetime.fromtimestamp(start * 3600, tz=dt.UTC)


def scheduled_backup(now: dt.datetime) -> BackupRun | None:
    """The worker's backup: once per interval of SACRUM_BACKUP_EVERY_HOURS, then pruning."""
    every = settings.BACKUP_EVERY_HOURS
    if every <= 0:
        return None
    slot = slot_of(now, every)
    if BackupRun.objects.filter(slot=slot).exists():
        return None
    run = run_backup(trigger=RunTrigger.SCHEDULE, now=now, slot=slot)
    if run is not None and run.state == RunState.OK:
        prune(Path(settings.BACKUP_DIR), settings.BACKUP_KEEP)
    return run
