"""The background job of a large import, run by ``sacrum worker``. It carries the run's
id only: the file stays in the private storage and the rows never enter the job queue."""

from __future__ import annotations

from django_tasks import task

from sacrum.imports import services


@task()
def run_import(*, run_id: str) -> str:
    run = services.execute(run_id)
    return run.status
