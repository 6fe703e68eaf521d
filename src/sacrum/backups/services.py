"""Making recorded backups (by hand or for the schedule) and pruning the oldest files."""

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
from sacrum.backups.models import BackupRun, RunState

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


def claim(
    *, trigger: str, now: dt.datetime, slot: dt.datetime | None, key: str | None
) -> BackupRun | None:
    try:
        with transaction.atomic():
            return BackupRun.objects.create(
                trigger=trigger, slot=slot, started_at=now, encrypted=key is not None
            )
    except IntegrityError:  # another worker (or an earlier tick) took this slot
        return None


def perform(
    run: BackupRun,
    *,
    path: Path | None = None,
    progress: Callable[[str], None] = lambda _line: None,
) -> BackupRun:
    """Make the backup a claimed run stands for; a failure is recorded on it, not raised."""
    key = crypto.configured_key()
    path = path or Path(settings.BACKUP_DIR) / default_name(run.started_at, key)
    try:
        summary = make_backup(path, key=key, now=run.started_at, progress=progress)
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
            encrypted=key is not None,
        )
    run.refresh_from_db()
    return run


def run_backup(
    *,
    trigger: str,
    now: dt.datetime,
    path: Path | None = None,
    progress: Callable[[str], None] = lambda _line: None,
) -> BackupRun:
    """Make one recorded backup now (``sacrum backup``)."""
    run = claim(trigger=trigger, now=now, slot=None, key=crypto.configured_key())
    assert run is not None  # only a scheduled run has a slot that can be taken
    return perform(run, path=path, progress=progress)


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
