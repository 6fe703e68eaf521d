"""The scheduled backup, run by the worker's job loop rather than in its minute tick."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django_tasks import task

from sacrum.backups.models import BackupRun, RunState
from sacrum.backups.services import perform, prune


@task()
def make_scheduled_backup(*, run_id: str) -> str:
    """Back up for a claimed run; after a success keep only the newest SACRUM_BACKUP_KEEP."""
    run = BackupRun.objects.filter(pk=run_id, state=RunState.RUNNING).first()
    if run is None:  # already done (a job retried after it finished)
        return "done"
    run = perform(run)
    if run.state == RunState.OK:
        prune(Path(settings.BACKUP_DIR), settings.BACKUP_KEEP)
    return str(run.state)
