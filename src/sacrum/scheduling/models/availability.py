"""When practitioners work: weekly hours in a location's local time, and what changes them.

Hours and exception times are wall-clock times at the location (its own time zone);
time off is an aware range (stored UTC); closures are whole local days.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import F, Q

from sacrum.access.scoping import ClinicScopedQuerySet


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WeeklyHoursQuerySet(ClinicScopedQuerySet["WeeklyHours"]):
    area = "schedule"
    clinic_path = "practitioner__clinic"


class WeeklyHours(models.Model):
    """A practitioner works at a location every <weekday> from start to end (local time)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practitioner = models.ForeignKey(
        "clinics.Membership", on_delete=models.CASCADE, related_name="weekly_hours"
    )
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.CASCADE, related_name="weekly_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    objects: ClassVar[WeeklyHoursQuerySet] = WeeklyHoursQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name_plural = "weekly hours"
        ordering = ("weekday", "start_time")
        constraints = (
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weekly_hours_weekday_valid"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="weekly_hours_end_after_start",
                violation_error_message="The finishing time must be after the starting time.",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class ExceptionKind(models.TextChoices):
    CLOSED = "closed", "Not working"
    EXTRA = "extra", "Extra hours"


class AvailabilityExceptionQuerySet(ClinicScopedQuerySet["AvailabilityException"]):
    area = "schedule"
    clinic_path = "practitioner__clinic"


class AvailabilityException(models.Model):
    """One date that differs from the weekly pattern: not working (all day or part), or extra hours."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practitioner = models.ForeignKey(
        "clinics.Membership", on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    location = models.ForeignKey(
        "clinics.Location",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="availability_exceptions",
        help_text="Where the extra hours are. Leave empty for 'not working' everywhere.",
    )
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=ExceptionKind.choices)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    objects: ClassVar[AvailabilityExceptionQuerySet] = AvailabilityExceptionQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("date", "start_time")
        constraints = (
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ExceptionKind]),
                name="availability_exception_kind_valid",
            ),
            # Either a whole day off (no times), or a time range with end after start.
            models.CheckConstraint(
                condition=Q(kind="closed", start_time__isnull=True, end_time__isnull=True)
                | Q(
                    start_time__isnull=False,
                    end_time__isnull=False,
                    end_time__gt=F("start_time"),
                ),
                name="availability_exception_times_valid",
                violation_error_message=(
                    "Give both times, the finishing time after the starting time "
                    "(or no times for a whole day off)."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind="extra") | Q(location__isnull=False),
                name="availability_exception_extra_has_location",
                violation_error_message="Extra hours need a location.",
            ),
        )

    def __str__(self) -> str:
        return f"{self.date}: {self.get_kind_display()}"


class TimeOffQuerySet(ClinicScopedQuerySet["TimeOff"]):
    area = "schedule"
    clinic_path = "practitioner__clinic"


class TimeOff(models.Model):
    """A practitioner is away (holiday, course, illness) from start to end."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practitioner = models.ForeignKey(
        "clinics.Membership", on_delete=models.CASCADE, related_name="time_off"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(
        max_length=200, blank=True, help_text="Shown to colleagues; keep it non-medical."
    )

    objects: ClassVar[TimeOffQuerySet] = TimeOffQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name_plural = "time off"
        ordering = ("start",)
        constraints = (
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="time_off_end_after_start",
                violation_error_message="Time off must end after it starts.",
            ),
        )
        indexes = (models.Index(fields=("practitioner", "end"), name="time_off_practitioner_end"),)

    def __str__(self) -> str:
        return f"Time off {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"


class ClinicClosureQuerySet(ClinicScopedQuerySet["ClinicClosure"]):
    area = "schedule"


class ClinicClosure(models.Model):
    """The clinic (or one location) is closed on these local days, e.g. public holidays."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="closures")
    location = models.ForeignKey(
        "clinics.Location",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
        help_text="Leave empty to close every location.",
    )
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    objects: ClassVar[ClinicClosureQuerySet] = ClinicClosureQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("first_day",)
        constraints = (
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")),
                name="clinic_closure_days_in_order",
                violation_error_message="The last day cannot be before the first day.",
            ),
        )

    def __str__(self) -> str:
        return f"Closed {self.first_day} to {self.last_day}"
