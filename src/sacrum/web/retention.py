"""Keep the job queue short-lived: finished jobs are deleted after a retention period.

Jobs carry ids, not e-mail texts or tokens (``sacrum.web.tasks``), but a finished row is
of no use once its outcome has been seen, and rows queued by earlier versions held full
texts; deleting them bounds what a copy of the database shows of past e-mail.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

FINISHED = (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)


def prune_finished_tasks(now: dt.datetime) -> int:
    """Delete jobs that finished more than ``SACRUM_TASK_RETENTION_DAYS`` ago; returns how many."""
    cutoff = now - dt.timedelta(days=settings.TASK_RETENTION_DAYS)
    deleted, _ = DBTaskResult.objects.filter(status__in=FINISHED, finished_at__lte=cutoff).delete()
    return deleted
