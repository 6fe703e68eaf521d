"""One row per backup the server made (by the worker's schedule or `sacrum backup`)."""

from __future__ import annotations

import uuid

from django.db import models


class RunState(models.TextChoices):
    RUNNING = "running", "Running"
    OK = "ok", "Succeeded"
    FAILED = "failed", "Failed"


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Scheduled (worker)"
    COMMAND = "command", "By hand (sacrum backup)"


class BackupRun(models.Model):
    """Server-wide, about files on this server: itself never part of a backup.

    ``slot`` is the start of the schedule's interval a scheduled run belongs to; its
    uniqueness makes the worker's tick safe to run twice or from two workers at once.
    ``error`` is a short reason without health data (never a database error's text).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trigger = models.CharField(max_length=10, choices=RunTrigger.choices)
    slot = models.DateTimeField(null=True, blank=True, unique=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.RUNNING)
    file_name = models.CharField(max_length=200, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    encrypted = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("-started_at",)
        indexes = (models.Index(fields=("state", "-started_at"), name="backuprun_state_started"),)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(trigger="command") | models.Q(slot__isnull=False),
                name="backuprun_scheduled_has_slot",
            ),
        )

    def __str__(self) -> str:
        return f"backup {self.started_at:%Y-%m-%d %H:%M} {self.state}"
