"""A recurring series: the rule a run of appointments was booked from.

The rule is kept in local terms (a first date, a wall-clock time and the location's
time zone) so every occurrence lands at the same local time across daylight-saving
changes. Phases follow a plan's taper, e.g. weekly x 6 then monthly x 3.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from sacrum.access.scoping import ClinicScopedQuerySet
from sacrum.clinics.models import validate_time_zone


class Rule(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    EVERY_2_WEEKS = "every_2_weeks", "Every 2 weeks"
    MONTHLY = "monthly", "Monthly"


MAX_PHASES = 5
MAX_OCCURRENCES = 104


def validate_phases(value: Any) -> None:
    """``[{"rule": "weekly", "count": 6}, {"rule": "monthly", "count": 3}]``.

    Only the last phase may leave out its count; the series then runs to ``until``.
    """
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_PHASES:
        raise ValidationError(f"Give between 1 and {MAX_PHASES} phases.")
    total = 0
    for i, phase in enumerate(value):
        if not isinstance(phase, dict) or set(phase) - {"rule", "count"}:
            raise ValidationError("Each phase is a rule and a count.")
        if phase.get("rule") not in Rule.values:
            raise ValidationError(
                f"“{phase.get('rule')}” is not a rule; use weekly, every_2_weeks or monthly."
            )
        count = phase.get("count")
        last = i == len(value) - 1
        if count is None and last:
            continue
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 52:
            raise ValidationError("Each phase needs a count between 1 and 52.")
        total += count
    if total > MAX_OCCURRENCES:
        raise ValidationError(f"A series has at most {MAX_OCCURRENCES} appointments.")


class SeriesQuerySet(ClinicScopedQuerySet["Series"]):
    area = "schedule"


class Series(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="series")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="series")
    practitioner = models.ForeignKey(
        "clinics.Membership", on_delete=models.PROTECT, related_name="series"
    )
    service = models.ForeignKey(
        "scheduling.ServiceType", on_delete=models.PROTECT, related_name="series"
    )
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="series"
    )
    room = models.ForeignKey(
        "clinics.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="series"
    )
    first_date = models.DateField()
    local_time = models.TimeField()
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    phases = models.JSONField(validators=[validate_phases])
    until = models.DateField(
        null=True, blank=True, help_text="Last possible date when the last phase has no count."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[SeriesQuerySet] = SeriesQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name_plural = "series"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Series from {self.first_date} at {self.local_time:%H:%M}"

    def clean(self) -> None:
        phases = self.phases if isinstance(self.phases, list) else []
        open_ended = bool(phases) and phases[-1].get("count") is None
        if open_ended and self.until is None:
            raise ValidationError({"until": "Give an end date or a count for the last phase."})
        if self.until is not None and self.until < self.first_date:
            raise ValidationError({"until": "The end date is before the first date."})
