"""Writes of the export: start a job, run it (in the worker), cancel it, hand out its
download link, and delete it after it expires.

The job's files are written to ``<data folder>/exports/<job id>/`` and packed into one
zip there; the loose files are removed, so a finished export takes the zip's space
only. Every start, cancel and download is in the audit log as an export of the clinic's
data (who, when, which job, from where), never what it held.
"""

from __future__ import annotations

import datetime as dt
import logging
import pathlib
import shutil
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.exports.formats import writer_for
from sacrum.exports.models import Channel, ExportFile, ExportJob, JobStatus
from sacrum.exports.storage import folder_of
from sacrum.exports.tasks import run_export_task
from sacrum.kernel import capabilities
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.permissions import require

log = logging.getLogger(__name__)

LINK_SIGNED_AS = "sacrum.exports.download"
LINK_MAX_AGE = dt.timedelta(hours=1)
MAX_OPEN_JOBS = 3
STALLED_AFTER = dt.timedelta(hours=12)


def start_export(
    *,
    actor: StaffActor,
    format: str,
    channel: str = Channel.PAGE,
    types: Sequence[str] = (),
    since: dt.datetime | None = None,
    request_url: str = "",
) -> ExportJob:
    """Queue a full export of the actor's clinic; the worker runs it (``run_export``)."""
    require(actor, "data.export")
    writer_for(format)
    with transaction.atomic():
        open_jobs = ExportJob.objects.filter(clinic=actor.clinic).open().count()
        if open_jobs >= MAX_OPEN_JOBS:
            raise Conflict(
                f"{open_jobs} exports are already waiting or running; "
                "wait for one to finish or cancel one."
            )
        job = ExportJob.objects.create(
            clinic=actor.clinic,
            requested_by=actor.member,
            format=format,
            channel=channel,
            resource_types=list(types),
            since=since,
            request_url=request_url[:2000],
            created_at=timezone.now(),
        )
        audit.record(actor, AuditAction.EXPORT, job, object_type="clinic_export")
    run_export_task.enqueue(job_id=str(job.pk))
    return job


def cancel_export(*, actor: StaffActor, job: ExportJob) -> ExportJob:
    """Stop a waiting or running export, or delete a finished one's files now."""
    require(actor, "data.export")
    now = timezone.now()
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        ExportJob.objects.filter(
            pk=job.pk, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
        ).update(status=JobStatus.CANCELLED, finished_at=now, token_digest=None)
    elif job.status == JobStatus.DONE:
        ExportJob.objects.filter(pk=job.pk, status=JobStatus.DONE).update(
            status=JobStatus.CANCELLED, token_digest=None
        )
    else:
        raise Conflict("This export has already ended.")
    shutil.rmtree(folder_of(job), ignore_errors=True)
    audit.record(actor, AuditAction.DELETE, job, object_type="clinic_export")
    job.refresh_from_db()
    return job


def download_link(*, actor: StaffActor, job: ExportJob) -> str:
    """A fresh token for the finished export's zip (an hour, and never past the expiry)."""
    require(actor, "data.export")
    if job.status != JobStatus.DONE:
        raise Conflict("This export is not ready to download.")
    token = capabilities.reissue(
        ExportJob.objects.filter(status=JobStatus.DONE, expires_at__gt=timezone.now()),
        job.pk,
        signed_as=LINK_SIGNED_AS,
    )
    if token is None:
        raise Conflict("This export has expired.")
    return token


def job_for_token(token: str) -> ExportJob | None:
    """The finished, unexpired export a download link opens, or ``None``."""
    return capabilities.find(
        ExportJob.objects.filter(
            status=JobStatus.DONE, expires_at__gt=timezone.now()
        ).select_related("clinic"),
        token,
        signed_as=LINK_SIGNED_AS,
        max_age=LINK_MAX_AGE,
    )


def record_download(actor: Actor, job: ExportJob, what: ExportFile | None = None) -> None:
    audit.record(
        actor,
        AuditAction.EXPORT,
        what or job,
        object_type="clinic_export_file" if what else "clinic_export_download",
        clinic=job.clinic,
    )


def expire_exports(now: dt.datetime) -> int:
    """Delete the files of exports past their expiry; returns how many expired.

    A job left "running" by a worker that stopped is marked failed after ``STALLED_AFTER``
    so it no longer counts against the clinic's open exports.
    """
    ExportJob.objects.filter(status=JobStatus.RUNNING, started_at__lte=now - STALLED_AFTER).update(
        status=JobStatus.FAILED, finished_at=now, error="The worker stopped during the export."
    )
    expired = list(
        ExportJob.objects.filter(status=JobStatus.DONE, expires_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in expired:
        shutil.rmtree(pathlib.Path(settings.DATA_DIR) / "exports" / str(pk), ignore_errors=True)
    if expired:
        ExportJob.objects.filter(pk__in=expired, status=JobStatus.DONE).update(
            status=JobStatus.EXPIRED, token_digest=None
        )
        ExportFile.objects.filter(job_id__in=expired).delete()
    return len(expired)
