"""What a clinic offers (service types) and its booking rules (policy)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet

MIN_DURATION, MAX_DURATION = 15, 120
MAX_BUFFER = 60


class ServiceTypeQuerySet(ClinicScopedQuerySet["ServiceType"]):
    area = "service"


class ServiceType(models.Model):
    """A kind of session the clinic books, e.g. "First visit, 75 min" or "Follow-up, 50 min"."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="service_types"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(max_length=1000, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        default=50,
        validators=[MinValueValidator(MIN_DURATION), MaxValueValidator(MAX_DURATION)],
        help_text=f"Between {MIN_DURATION} and {MAX_DURATION} minutes.",
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_BUFFER)],
        help_text="Time kept free before the session (preparing the room).",
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(MAX_BUFFER)],
        help_text="Time kept free after the session (notes, fresh linen).",
    )
    price = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    practitioners = models.ManyToManyField(
        "clinics.Membership", related_name="offered_services", blank=True
    )
    bookable_online = models.BooleanField(default=True)
    new_clients_only = models.BooleanField(
        default=False, help_text="Only for clients who have not been seen before (a first visit)."
    )
    needs_room = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    objects: ClassVar[ServiceTypeQuerySet] = ServiceTypeQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("name",)
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "name"),
                name="service_type_name_unique",
                violation_error_message="The clinic already has a service with this name.",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=MIN_DURATION, duration_minutes__lte=MAX_DURATION),
                name="service_type_duration_15_to_120",
                violation_error_message=(
                    f"A session lasts {MIN_DURATION} to {MAX_DURATION} minutes."
                ),
            ),
            models.CheckConstraint(
                condition=Q(buffer_before_minutes__lte=MAX_BUFFER)
                & Q(buffer_after_minutes__lte=MAX_BUFFER),
                name="service_type_buffers_at_most_60",
                violation_error_message=f"A buffer is at most {MAX_BUFFER} minutes.",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="service_type_price_not_negative",
                violation_error_message="A price cannot be negative.",
            ),
        )

    def __str__(self) -> str:
        return self.name


class SchedulingPolicyQuerySet(ClinicScopedQuerySet["SchedulingPolicy"]):
    area = "clinic"


class SchedulingPolicy(models.Model):
    """A clinic's booking rules. A clinic without a row uses the defaults."""

    clinic = models.OneToOneField(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="scheduling_policy"
    )
    cancellation_window_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MaxValueValidator(14 * 24)],
        help_text="Cancelling less than this many hours ahead counts as a late cancellation.",
    )
    minimum_notice_minutes = models.PositiveIntegerField(
        default=120,
        validators=[MaxValueValidator(14 * 24 * 60)],
        help_text="Online bookings must start at least this long from now.",
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(60)],
        help_text="Offered start times are this many minutes apart (on the local clock).",
    )
    online_booking_enabled = models.BooleanField(
        default=True,
        help_text="Clients can book services marked 'bookable online' on the public page.",
    )
    online_requests_need_approval = models.BooleanField(
        default=False,
        help_text="Online bookings arrive as requests that the front desk accepts; "
        "otherwise they are booked at once.",
    )
    online_days_ahead = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="How far ahead clients may book online, in days.",
    )

    objects: ClassVar[SchedulingPolicyQuerySet] = SchedulingPolicyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name_plural = "scheduling policies"
        constraints = (
            models.CheckConstraint(
                condition=Q(slot_step_minutes__gte=5, slot_step_minutes__lte=60),
                name="scheduling_policy_step_5_to_60",
                violation_error_message="Start times are 5 to 60 minutes apart.",
            ),
            models.CheckConstraint(
                condition=Q(online_days_ahead__gte=1, online_days_ahead__lte=365),
                name="scheduling_policy_online_days_1_to_365",
                violation_error_message="Online booking reaches 1 to 365 days ahead.",
            ),
        )

    def __str__(self) -> str:
        return f"Scheduling policy of {self.clinic_id}"

    @classmethod
    def for_clinic(cls, clinic_id: Any) -> SchedulingPolicy:
        """The clinic's policy, or an unsaved one with the defaults (reading never writes)."""
        return cls.objects.filter(clinic_id=clinic_id).first() or cls(clinic_id=clinic_id)
