"""What an import keeps: the uploaded file's place, each run's report, and the links
from another system's ids to the records they became (what makes a re-run idempotent).
"""

from __future__ import annotations

import uuid
from typing import ClassVar, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet


class Kind(models.TextChoices):
    CLIENTS = "clients", "Clients"
    APPOINTMENTS = "appointments", "Appointments"
    NOTES = "notes", "Notes"
    FHIR = "fhir", "FHIR R4 Patients and Appointments"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


_M = TypeVar("_M", bound=models.Model)


class ImportQuerySet(ClinicScopedQuerySet[_M]):
    """Imports are the owner's: the file and the report name clients."""

    area = "clinic"


class ImportUpload(models.Model):
    """An uploaded file and how to read it. The file is deleted once it has been imported."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    storage_name = models.CharField(max_length=200, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    columns = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    layout = models.CharField(max_length=20, blank=True)
    source_system = models.CharField(max_length=60)
    mapping = models.JSONField(default=dict, blank=True)
    date_order = models.CharField(max_length=3, default="ymd")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ImportQuerySet[ImportUpload]] = ImportQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-uploaded_at",)
        constraints = (
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in Kind]), name="import_upload_kind_valid"
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.source_system}"

    @property
    def has_file(self) -> bool:
        return bool(self.storage_name) and self.file_deleted_at is None


class ImportRun(models.Model):
    """One dry run or import of an upload, and its report (counts and per-row problems)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    upload = models.ForeignKey(
        ImportUpload, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    source_system = models.CharField(max_length=60)
    dry_run = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    created_by_kind = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    failure = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ImportQuerySet[ImportRun]] = ImportQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-started_at",)
        constraints = (
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in RunStatus]),
                name="import_run_status_valid",
            ),
        )

    def __str__(self) -> str:
        return f"{'Dry run' if self.dry_run else 'Import'} of {self.kind} from {self.source_system}"

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.finished else 0
        return min(100, self.rows_done * 100 // self.rows_total)


class RecordKind(models.TextChoices):
    CLIENT = "client", "Client"
    APPOINTMENT = "appointment", "Appointment"
    NOTE = "note", "Note"


class ImportedRecord(models.Model):
    """Another system's id for a record it became here: a re-run finds it and skips the row."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    source_system = models.CharField(max_length=60)
    kind = models.CharField(max_length=12, choices=RecordKind.choices)
    source_id = models.CharField(max_length=200)
    object_id = models.UUIDField()
    run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "source_system", "kind", "source_id"),
                name="imported_record_once",
            ),
        )

    def __str__(self) -> str:
        return f"{self.source_system} {self.kind} {self.source_id}"
