"""Reminder settings and deliveries, and practitioners' private calendar feeds.

The "never twice" rule of reminders lives in the database: one ``ReminderDelivery``
row per (appointment, offset, appointment start), created before anything is sent and
claimed by a conditional UPDATE, so two workers ticking at once can't both send it.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet

DEFAULT_OFFSETS = [48 * 60, 2 * 60]  # minutes before the start: 48 h and 2 h
MIN_OFFSET, MAX_OFFSET = 15, 14 * 24 * 60
MAX_OFFSETS = 4
MAX_ATTEMPTS = 5


def validate_offsets(value: object) -> None:
    """A short list of distinct whole minutes, each between 15 min and 14 days."""
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ValidationError("Give the reminder times as whole minutes before the appointment.")
    if len(value) > MAX_OFFSETS:
        raise ValidationError(f"At most {MAX_OFFSETS} reminders per appointment.")
    if len(set(value)) != len(value):
        raise ValidationError("Each reminder time only once.")
    for v in value:
        if not MIN_OFFSET <= v <= MAX_OFFSET:
            raise ValidationError(
                "Each reminder goes between 15 minutes and 14 days before the appointment."
            )


class ReminderPolicyQuerySet(ClinicScopedQuerySet["ReminderPolicy"]):
    area = "clinic"


class ReminderPolicy(models.Model):
    """When a clinic's clients are reminded by e-mail. A clinic without a row uses the defaults."""

    clinic = models.OneToOneField(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="reminder_policy"
    )
    enabled = models.BooleanField(default=True)
    offsets_minutes = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_offsets],
        help_text="Minutes before the appointment, largest first (2880 = 48 h).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[ReminderPolicyQuerySet] = ReminderPolicyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name_plural = "reminder policies"

    def __str__(self) -> str:
        return f"Reminder policy of {self.clinic_id}"

    @classmethod
    def for_clinic(cls, clinic_id: Any) -> ReminderPolicy:
        """The clinic's policy, or an unsaved one with the defaults (reading never writes)."""
        return cls.objects.filter(clinic_id=clinic_id).first() or cls(
            clinic_id=clinic_id, offsets_minutes=list(DEFAULT_OFFSETS)
        )

    @property
    def offsets(self) -> list[int]:
        return sorted({int(v) for v in self.offsets_minutes or []}, reverse=True)


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not sent"
    CANCELLED = "cancelled", "Withdrawn"


class SkipReason(models.TextChoices):
    BOOKED_LATE = "booked_late", "Booked after this reminder was due"
    SUPERSEDED = "superseded", "A later reminder was due at the same time"
    NO_EMAIL = "no_email", "The client has no e-mail address"
    CANCELLED = "cancelled", "The appointment was cancelled"
    MOVED = "moved", "The appointment was moved"
    STARTED = "started", "The appointment had started"
    INTERRUPTED = "interrupted", "The worker stopped while sending"
    GAVE_UP = "gave_up", "The mail server refused it too often"


class ReminderDeliveryQuerySet(ClinicScopedQuerySet["ReminderDelivery"]):
    area = "schedule"


class ReminderDelivery(models.Model):
    """One reminder of one appointment at one offset: planned, claimed, sent (or why not)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    offset_minutes = models.PositiveIntegerField()
    appointment_start = models.DateTimeField(
        help_text="The start this reminder is about; a moved appointment gets new reminders."
    )
    due_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    reason = models.CharField(max_length=12, choices=SkipReason.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ReminderDeliveryQuerySet] = ReminderDeliveryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("due_at", "offset_minutes")
        constraints = (
            models.UniqueConstraint(
                fields=("appointment", "offset_minutes", "appointment_start"),
                name="reminder_once_per_appointment_offset",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in DeliveryState]),
                name="reminder_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(attempts__lte=MAX_ATTEMPTS), name="reminder_attempts_bounded"
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="reminder_sent_has_time",
            ),
        )
        indexes = (
            models.Index(fields=("state", "next_attempt_at"), name="reminder_due_idx"),
            models.Index(fields=("clinic", "-due_at"), name="reminder_clinic_recent"),
        )

    def __str__(self) -> str:
        return f"Reminder {self.offset_minutes} min before {self.appointment_id}: {self.state}"


class CalendarFeedQuerySet(ClinicScopedQuerySet["CalendarFeed"]):
    area = "schedule"


class CalendarFeed(models.Model):
    """A practitioner's private iCalendar feed; only the token's SHA-256 is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    practitioner = models.ForeignKey(
        "clinics.Membership", on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[CalendarFeedQuerySet] = CalendarFeedQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.UniqueConstraint(
                fields=("practitioner",),
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_active_per_practitioner",
            ),
        )

    def __str__(self) -> str:
        return f"Calendar feed of {self.practitioner_id}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
