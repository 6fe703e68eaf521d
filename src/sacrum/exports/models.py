"""A full export of one clinic: the job, its progress, and the files it wrote.

The files live under the data folder (``exports/<job id>/``), never in the database;
the rows say what was asked, by whom, how far it got and until when it can be
fetched. After ``expires_at`` the worker deletes the files and marks the job expired.
A job row holds no health data: counts, file names, a digest of the download token.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired (files deleted)"


OPEN_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class Channel(models.TextChoices):
    PAGE = "page", "Owner page"
    API = "api", "FHIR $export"
    COMMAND = "command", "Command line"


class ExportJobQuerySet(ClinicScopedQuerySet["ExportJob"]):
    """Exports hold every record of the clinic: only owners (``data.export``)."""

    area = "data"

    def open(self) -> ExportJobQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class ExportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        "clinics.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(max_length=20)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    resource_types = models.JSONField(
        default=list, blank=True, help_text="FHIR _type filter; empty means every type."
    )
    since = models.DateTimeField(null=True, blank=True, help_text="FHIR _since filter.")
    request_url = models.CharField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done_count = models.PositiveIntegerField(default=0)
    total_count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    token_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ExportJobQuerySet] = ExportJobQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        indexes = (models.Index(fields=("status", "expires_at")),)
        constraints = (
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in JobStatus]), name="export_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="done")
                | Q(finished_at__isnull=False, expires_at__isnull=False),
                name="export_done_has_expiry",
            ),
        )

    def __str__(self) -> str:
        return f"{self.format} export {self.created_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total_count:
            return 0
        return min(99, int(100 * self.done_count / self.total_count))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ExportFileQuerySet(ClinicScopedQuerySet["ExportFile"]):
    area = "data"
    clinic_path = "job__clinic"


class ExportFile(models.Model):
    """One file of a finished export (one FHIR resource type, or one CSV)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=100)
    resource_type = models.CharField(max_length=60, blank=True)
    count = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)

    objects: ClassVar[ExportFileQuerySet] = ExportFileQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("name",)
        constraints = (
            models.UniqueConstraint(fields=("job", "name"), name="export_file_name_once"),
        )

    def __str__(self) -> str:
        return self.name
