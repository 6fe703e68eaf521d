"""Appointments and their history.

``blocked_start``/``blocked_end`` are the appointment widened by the service's buffers:
that is the range no other active appointment of the same practitioner, room or client
may overlap (see ``scheduling/constraints.py`` for how the database enforces it).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sacrum.access.scoping import ClinicScopedQuerySet


class AppointmentStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    BOOKED = "booked", "Booked"
    CONFIRMED = "confirmed", "Confirmed"
    ARRIVED = "arrived", "Arrived"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# Statuses that hold the time: they may never overlap for a practitioner, room or client.
ACTIVE_STATUSES = (
    AppointmentStatus.REQUESTED,
    AppointmentStatus.BOOKED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.ARRIVED,
    AppointmentStatus.COMPLETED,
)
ACTIVE_VALUES = tuple(s.value for s in ACTIVE_STATUSES)


def _covering(who: str) -> tuple[str, ...]:
    return (who, "blocked_end", "blocked_start", "status")


class Source(models.TextChoices):
    STAFF = "staff", "Staff"
    ONLINE = "online", "Online"


class CancelledBy(models.TextChoices):
    CLINIC = "clinic", "Clinic"
    CLIENT = "client", "Client"


class AppointmentQuerySet(ClinicScopedQuerySet["Appointment"]):
    area = "schedule"

    def active(self) -> AppointmentQuerySet:
        return self.filter(status__in=ACTIVE_VALUES)

    def overlapping(self, start: object, end: object) -> AppointmentQuerySet:
        """Rows whose blocked range (buffers included) overlaps [start, end)."""
        return self.filter(blocked_start__lt=end, blocked_end__gt=start)


class Appointment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="appointments"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="appointments"
    )
    practitioner = models.ForeignKey(
        "clinics.Membership", on_delete=models.PROTECT, related_name="appointments"
    )
    service = models.ForeignKey(
        "scheduling.ServiceType", on_delete=models.PROTECT, related_name="appointments"
    )
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="appointments"
    )
    room = models.ForeignKey(
        "clinics.Room",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    blocked_start = models.DateTimeField(help_text="Start minus the buffer before.")
    blocked_end = models.DateTimeField(help_text="End plus the buffer after.")
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    front_desk_note = models.CharField(
        max_length=500, blank=True, help_text="Practical, non-clinical (e.g. parking, access)."
    )
    series = models.ForeignKey(
        "scheduling.Series",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
    )
    hold_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="An online hold: the time is freed then unless the client confirms by e-mail.",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_by_party = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    cancellation_reason = models.CharField(max_length=300, blank=True)
    cancelled_late = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[AppointmentQuerySet] = AppointmentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("start",)
        constraints = (
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="appointment_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(blocked_start__lte=F("start"), blocked_end__gte=F("end")),
                name="appointment_blocked_covers_appointment",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in AppointmentStatus]),
                name="appointment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=[s.value for s in Source]), name="appointment_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="appointment_cancelled_has_time",
            ),
            models.CheckConstraint(
                condition=Q(hold_expires_at__isnull=True)
                | Q(status__in=[AppointmentStatus.REQUESTED.value, "cancelled"]),
                name="appointment_hold_is_requested",
            ),
        )
        # (who, blocked_end, ...): overlap checks look at rows ending after a time, i.e.
        # the few future ones, not a whole history; blocked_start and status make the
        # index covering, so the availability engine never reads the wide table rows.
        indexes = (
            models.Index(fields=_covering("practitioner"), name="appt_practitioner_busy"),
            models.Index(fields=_covering("room"), name="appt_room_busy"),
            models.Index(fields=_covering("client"), name="appt_client_busy"),
            models.Index(fields=("clinic", "blocked_end"), name="appt_clinic_end"),
            models.Index(
                fields=("hold_expires_at",),
                condition=Q(status="requested", hold_expires_at__isnull=False),
                name="appt_open_hold_expiry",
            ),
        )

    def __str__(self) -> str:
        return f"{self.service_id} at {self.start:%Y-%m-%d %H:%M} UTC"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_VALUES

    def is_held_until(self, now: object) -> bool:
        """An online hold still waiting for the client's e-mail confirmation."""
        return (
            self.status == AppointmentStatus.REQUESTED
            and self.hold_expires_at is not None
            and self.hold_expires_at > now  # type: ignore[operator]
        )

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class ChangeKind(models.TextChoices):
    RESCHEDULED = "rescheduled", "Rescheduled"
    REASSIGNED = "reassigned", "Reassigned"
    STATUS = "status", "Status changed"


class AppointmentChangeQuerySet(ClinicScopedQuerySet["AppointmentChange"]):
    area = "schedule"
    clinic_path = "appointment__clinic"


class AppointmentChange(models.Model):
    """One change to an appointment's time, people, room or status, kept forever."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=12, choices=ChangeKind.choices)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_start = models.DateTimeField(null=True, blank=True)
    from_end = models.DateTimeField(null=True, blank=True)
    to_start = models.DateTimeField(null=True, blank=True)
    to_end = models.DateTimeField(null=True, blank=True)
    from_practitioner = models.ForeignKey(
        "clinics.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_practitioner = models.ForeignKey(
        "clinics.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_room = models.ForeignKey(
        "clinics.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_room = models.ForeignKey(
        "clinics.Room", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    objects: ClassVar[AppointmentChangeQuerySet] = AppointmentChangeQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("changed_at", "id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.changed_at:%Y-%m-%d %H:%M}"
