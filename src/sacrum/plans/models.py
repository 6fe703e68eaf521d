"""Treatment plans: what the client comes for, their goals in their words, the taper of
sessions, review dates, the measurement schedule, and the discharge summary.

A plan describes an intention agreed with the client; the goals are the client's and
the measures record observed change. Nothing here states that sessions cause a change.
The invariants that matter (one active plan per client, a discharge always has its
date and reason, a measurement is sent once) are database constraints.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sacrum.access.scoping import ClinicScopedQuerySet
from sacrum.clients.models import Condition, validate_conditions
from sacrum.outcomes.models import Occasion
from sacrum.scheduling.models.series import MAX_OCCURRENCES, validate_phases

_M = TypeVar("_M", bound=models.Model)


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DISCHARGED = "discharged", "Discharged"


class DischargeReason(models.TextChoices):
    GOALS_REACHED = "goals_reached", "The client's goals were reached"
    CLIENT_CHOICE = "client_choice", "The client chose to stop"
    REFERRED = "referred", "Referred to another professional"
    NO_CHANGE = "no_change", "No meaningful change was observed"
    UNABLE = "unable", "The client could not continue (moved, time, cost)"
    OTHER = "other", "Other"


class PlanQuerySet(ClinicScopedQuerySet["Plan"]):
    """Plans are clinical: the ``clinical`` area is never granted to the front desk."""

    area = "clinical"

    def active(self) -> PlanQuerySet:
        return self.filter(status=PlanStatus.ACTIVE)


class Plan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="plans")
    practitioner = models.ForeignKey(
        "clinics.Membership", on_delete=models.PROTECT, related_name="plans"
    )
    conditions = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_conditions],
        help_text="What the client comes for (the client record's condition keys).",
    )
    phases = models.JSONField(
        validators=[validate_phases],
        help_text='The taper: [{"rule": "weekly", "count": 6}, {"rule": "every_2_weeks", ...}].',
    )
    planned_sessions = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    review_every_weeks = models.PositiveSmallIntegerField(null=True, blank=True, default=6)
    next_review_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    series = models.ForeignKey(
        "scheduling.Series", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discharged_on = models.DateField(null=True, blank=True)
    discharge_reason = models.CharField(max_length=20, choices=DischargeReason.choices, blank=True)
    discharge_summary = models.TextField(max_length=4000, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[PlanQuerySet] = PlanQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-start_date", "-created_at")
        indexes = (models.Index(fields=("clinic", "status", "next_review_on")),)
        constraints = (
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in PlanStatus]), name="plan_status_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        status=PlanStatus.ACTIVE,
                        discharged_on__isnull=True,
                        discharge_reason="",
                    )
                    | (
                        Q(status=PlanStatus.DISCHARGED, discharged_on__isnull=False)
                        & ~Q(discharge_reason="")
                    )
                ),
                name="plan_discharge_complete",
            ),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True) | Q(discharged_on__gte=F("start_date")),
                name="plan_discharge_after_start",
            ),
            models.CheckConstraint(
                condition=Q(planned_sessions__gte=1, planned_sessions__lte=MAX_OCCURRENCES),
                name="plan_planned_sessions_range",
            ),
            models.CheckConstraint(
                condition=Q(review_every_weeks__isnull=True)
                | Q(review_every_weeks__gte=1, review_every_weeks__lte=52),
                name="plan_review_every_range",
            ),
            models.UniqueConstraint(
                fields=("client",),
                condition=Q(status=PlanStatus.ACTIVE),
                name="plan_one_active_per_client",
            ),
        )

    def __str__(self) -> str:
        return f"Plan from {self.start_date:%Y-%m-%d} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == PlanStatus.ACTIVE

    @property
    def condition_labels(self) -> list[str]:
        labels = dict(Condition.choices)
        return [str(labels.get(key, key)) for key in self.conditions or []]

    @property
    def taper_text(self) -> str:
        return taper_text(self.phases)


TIMES = "\u00d7"  # the multiplication sign, as people write a taper
RULE_WORDS = {"weekly": "weekly", "every_2_weeks": "every 2 weeks", "monthly": "monthly"}


def taper_text(phases: Any) -> str:
    """'weekly x 6, then every 2 weeks x 3, then monthly x 3' (for pages and letters)."""
    parts = []
    for phase in phases or []:
        words = RULE_WORDS.get(phase.get("rule"), str(phase.get("rule")))
        count = phase.get("count")
        parts.append(f"{words} {TIMES} {count}" if count else f"{words} onwards")
    return ", then ".join(parts)


class PlanChildQuerySet(ClinicScopedQuerySet[_M]):
    area = "clinical"
    clinic_path = "plan__clinic"


class GoalTarget(models.TextChoices):
    MIC = "mic", "Change by at least the minimal important change"
    VALUE = "value", "Reach a score"


class PlanGoal(models.Model):
    """One goal in the client's own words, watched through one measure."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300, help_text="The goal, in the client's words.")
    instrument_key = models.SlugField(max_length=63, help_text="The measure that follows it.")
    target_kind = models.CharField(max_length=8, choices=GoalTarget.choices, default=GoalTarget.MIC)
    target_value = models.FloatField(null=True, blank=True)

    objects: ClassVar[PlanChildQuerySet[PlanGoal]] = PlanChildQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("position",)
        constraints = (
            models.CheckConstraint(
                condition=Q(target_kind=GoalTarget.MIC, target_value__isnull=True)
                | Q(target_kind=GoalTarget.VALUE, target_value__isnull=False),
                name="plan_goal_target_matches_kind",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="plan_goal_text_required"),
        )

    def __str__(self) -> str:
        return self.text


class PlanMeasure(models.Model):
    """When one instrument is measured in this plan: baseline, every N sessions,
    at discharge, and a follow-up some days after discharge."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures")
    instrument_key = models.SlugField(max_length=63)
    baseline = models.BooleanField(default=True)
    every_n_sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    at_discharge = models.BooleanField(default=True)
    follow_up_days = models.PositiveSmallIntegerField(null=True, blank=True)

    objects: ClassVar[PlanChildQuerySet[PlanMeasure]] = PlanChildQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("instrument_key",)
        constraints = (
            models.UniqueConstraint(
                fields=("plan", "instrument_key"), name="plan_measure_once_per_instrument"
            ),
            models.CheckConstraint(
                condition=Q(every_n_sessions__isnull=True)
                | Q(every_n_sessions__gte=1, every_n_sessions__lte=52),
                name="plan_measure_every_n_range",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_days__isnull=True)
                | Q(follow_up_days__gte=7, follow_up_days__lte=730),
                name="plan_measure_follow_up_range",
            ),
        )

    def __str__(self) -> str:
        return self.instrument_key


class MeasurementQuerySet(ClinicScopedQuerySet["Measurement"]):
    area = "clinical"

    def open(self) -> MeasurementQuerySet:
        return self.filter(done_at__isnull=True, skipped_at__isnull=True)


class Measurement(models.Model):
    """One due questionnaire of a plan's schedule. Unique per plan, instrument, occasion and
    sequence, so a worker running twice creates — and e-mails — it once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measurements")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    instrument_key = models.SlugField(max_length=63)
    occasion = models.CharField(max_length=12, choices=Occasion.choices)
    sequence = models.PositiveSmallIntegerField(
        default=0, help_text="The session count it follows (0 outside sessions)."
    )
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    link = models.OneToOneField(
        "outcomes.QuestionnaireLink",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measurement",
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminder_link = models.OneToOneField(
        "outcomes.QuestionnaireLink",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reminded_measurement",
    )
    response = models.OneToOneField(
        "outcomes.Response",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_measurement",
    )
    done_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)
    problem = models.CharField(max_length=300, blank=True)
    problem_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[MeasurementQuerySet] = MeasurementQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("due_at", "instrument_key")
        indexes = (
            models.Index(fields=("done_at", "skipped_at", "due_at")),
            models.Index(fields=("clinic", "due_at")),
        )
        constraints = (
            models.UniqueConstraint(
                fields=("plan", "instrument_key", "occasion", "sequence"),
                name="measurement_once_per_occasion",
            ),
            models.CheckConstraint(
                condition=Q(occasion__in=[o.value for o in Occasion]),
                name="measurement_occasion_valid",
            ),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(skipped_at__isnull=True),
                name="measurement_done_or_skipped",
            ),
            models.CheckConstraint(
                condition=Q(reminded_at__isnull=True) | Q(sent_at__isnull=False),
                name="measurement_reminder_after_send",
            ),
        )

    def __str__(self) -> str:
        return f"{self.instrument_key} {self.occasion} {self.sequence}"

    @property
    def state(self) -> str:
        if self.done_at:
            return "done"
        if self.skipped_at:
            return "skipped"
        if self.reminded_at:
            return "reminded"
        if self.sent_at:
            return "sent"
        return "due"


class PlanReview(models.Model):
    """A review of the plan with the client: a note and the next review date."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    note = models.TextField(max_length=4000, blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[PlanChildQuerySet[PlanReview]] = PlanChildQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-reviewed_on", "-created_at")

    def __str__(self) -> str:
        return f"Review {self.reviewed_on:%Y-%m-%d}"
