"""Reads of exports: always the actor's clinic, and only for owners (``data.export``)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from sacrum.access.scoping import get_scoped_or_404
from sacrum.exports.models import ExportFile, ExportJob, JobStatus
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.permissions import require

RECENT = 10
GONE = (JobStatus.CANCELLED, JobStatus.EXPIRED)


def jobs_of(actor: StaffActor) -> QuerySet[ExportJob]:
    require(actor, "data.export")
    return ExportJob.objects.for_member(actor.member, "export")


def recent_jobs(actor: StaffActor) -> list[ExportJob]:
    """The clinic's latest exports, newest first, with their files and who asked."""
    return list(
        jobs_of(actor)
        .select_related("requested_by__user")
        .prefetch_related("files")
        .order_by("-created_at")[:RECENT]
    )


def job_for(actor: StaffActor, job_id: uuid.UUID | str) -> ExportJob:
    return get_scoped_or_404(jobs_of(actor), pk=job_id)


def bulk_job_for(actor: StaffActor, job_id: uuid.UUID | str) -> ExportJob:
    """A FHIR export the ``$export`` status URL names; cancelled or expired ones are gone."""
    return get_scoped_or_404(
        jobs_of(actor).filter(format="fhir").exclude(status__in=GONE).prefetch_related("files"),
        pk=job_id,
    )


def bulk_file_for(actor: StaffActor, file_id: uuid.UUID | str) -> ExportFile:
    require(actor, "data.export")
    return get_scoped_or_404(
        ExportFile.objects.for_member(actor.member, "export")
        .filter(job__status=JobStatus.DONE, job__format="fhir")
        .select_related("job__clinic"),
        pk=file_id,
    )
