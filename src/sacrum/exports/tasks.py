"""The export's background job, run by ``sacrum worker``. The queue holds the job's id only."""

from __future__ import annotations

from django_tasks import task

from sacrum.exports.runner import run_export


@task()
def run_export_task(*, job_id: str) -> str:
    return str(run_export(job_id))
