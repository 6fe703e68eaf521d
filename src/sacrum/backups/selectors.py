"""What the owners' backup page shows: the last good backup, and failures since."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from sacrum.backups.crypto import configured_key
from sacrum.backups.models import BackupRun, RunState


@dataclass(frozen=True)
class BackupStatus:
    last_ok: BackupRun | None
    failures_since: int
    recent: list[BackupRun]
    every_hours: int
    keep: int
    encrypted_by_default: bool


def status(recent: int = 10) -> BackupStatus:
    last_ok = BackupRun.objects.filter(state=RunState.OK).order_by("-started_at").first()
    failed = BackupRun.objects.filter(state=RunState.FAILED)
    if last_ok is not None:
        failed = failed.filter(started_at__gt=last_ok.started_at)
    return BackupStatus(
        last_ok=last_ok,
        failures_since=failed.count(),
        recent=list(BackupRun.objects.order_by("-started_at")[:recent]),
        every_hours=settings.BACKUP_EVERY_HOURS,
        keep=settings.BACKUP_KEEP,
        encrypted_by_default=configured_key() is not None,
    )
