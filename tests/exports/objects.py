"""Factories for the export's id names (the permission matrix and bad-input tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from sacrum.exports.models import ExportFile, ExportJob, JobStatus

if TYPE_CHECKING:
    from tests.access.objects import Stillwater


def _finished(w: Stillwater) -> ExportJob:
    """A finished FHIR export of Stillwater (its files need not exist for the route tests)."""
    if "_export_job" not in w._made:
        now = timezone.now()
        w._made["_export_job"] = ExportJob.objects.create(
            clinic=w.owner.clinic,
            requested_by=w.owner.member,
            format="fhir",
            channel="api",
            status=JobStatus.DONE,
            created_at=now,
            started_at=now,
            finished_at=now,
            expires_at=now + dt.timedelta(hours=72),
        )
    return w._made["_export_job"]  # type: ignore[return-value]


def _export_file(w: Stillwater) -> models.Model:
    return ExportFile.objects.create(
        job=_finished(w), name="Patient.ndjson", resource_type="Patient", count=0, sha256="0" * 64
    )


FACTORIES: dict[str, Callable[[Stillwater], Any]] = {
    "export_id": _finished,
    "export_file_id": _export_file,
}
