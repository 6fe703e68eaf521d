"""Writes for when people work: weekly hours, exceptions, time off, clinic closures.

A practitioner edits their own; an owner edits anyone's and the clinic's closures.
Changing hours never moves or cancels booked appointments: the calendar shows them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from sacrum.access import audit
from sacrum.access.changes import apply_changes
from sacrum.access.models import AuditAction
from sacrum.clinics.models import Location, Membership
from sacrum.kernel.actor import Actor
from sacrum.kernel.permissions import require
from sacrum.scheduling.models import (
    AvailabilityException,
    ClinicClosure,
    TimeOff,
    WeeklyHours,
)
from sacrum.scheduling.services.booking import CLINICAL_ROLES

HOURS_FIELDS = ("location", "weekday", "start_time", "end_time")
EXCEPTION_FIELDS = ("location", "date", "kind", "start_time", "end_time", "note")
TIME_OFF_FIELDS = ("start", "end", "reason")
CLOSURE_FIELDS = ("location", "first_day", "last_day", "reason")

# The longest stretch one call may block out (a closure, time off): a year and a day.
# Longer is a typo or a script gone wrong, and would hide every slot for decades.
LONGEST_BLOCK_DAYS = 366


def _may_edit(actor: Actor, practitioner: Membership) -> None:
    own = actor.member is not None and actor.member.pk == practitioner.pk
    require(actor, "availability.edit_own" if own else "availability.manage")
    if practitioner.clinic_id != getattr(actor.clinic, "pk", None):
        raise ValidationError({"practitioner": "Choose a practitioner of this clinic."})
    if practitioner.role not in CLINICAL_ROLES:
        raise ValidationError({"practitioner": "Front-desk staff do not have working hours."})


def _check_location(actor: Actor, location: Any) -> None:
    if isinstance(location, Location) and location.clinic_id != getattr(actor.clinic, "pk", None):
        raise ValidationError({"location": "Choose a location of this clinic."})


def _check_no_overlap(hours: WeeklyHours) -> None:
    """One person cannot work two stretches at once, at one location or two."""
    clash = (
        WeeklyHours.objects.filter(
            practitioner_id=hours.practitioner_id,
            weekday=hours.weekday,
            start_time__lt=hours.end_time,
            end_time__gt=hours.start_time,
        )
        .exclude(pk=hours.pk)
        .select_related("location")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "start_time": f"Overlaps the hours {clash.start_time:%H:%M}-"
                f"{clash.end_time:%H:%M} at {clash.location.name} on that day."
            }
        )


@transaction.atomic
def add_weekly_hours(
    *, actor: Actor, practitioner: Membership, data: dict[str, Any]
) -> WeeklyHours:
    _may_edit(actor, practitioner)
    _check_location(actor, data.get("location"))
    hours = WeeklyHours(practitioner=practitioner, location=data.get("location"))
    apply_changes(hours, data, HOURS_FIELDS)
    _check_no_overlap(hours)
    hours.save()
    audit.record(actor, AuditAction.CREATE, hours)
    return hours


@transaction.atomic
def update_weekly_hours(*, actor: Actor, hours: WeeklyHours, data: dict[str, Any]) -> WeeklyHours:
    _may_edit(actor, hours.practitioner)
    _check_location(actor, data.get("location"))
    if apply_changes(hours, data, HOURS_FIELDS):
        _check_no_overlap(hours)
        hours.save()
        audit.record(actor, AuditAction.UPDATE, hours)
    return hours


@transaction.atomic
def delete_weekly_hours(*, actor: Actor, hours: WeeklyHours) -> None:
    _may_edit(actor, hours.practitioner)
    audit.record(actor, AuditAction.DELETE, hours)
    hours.delete()


@transaction.atomic
def add_exception(
    *, actor: Actor, practitioner: Membership, data: dict[str, Any]
) -> AvailabilityException:
    _may_edit(actor, practitioner)
    _check_location(actor, data.get("location"))
    exception = AvailabilityException(practitioner=practitioner)
    apply_changes(exception, data, EXCEPTION_FIELDS)
    exception.save()
    audit.record(actor, AuditAction.CREATE, exception)
    return exception


@transaction.atomic
def delete_exception(*, actor: Actor, exception: AvailabilityException) -> None:
    _may_edit(actor, exception.practitioner)
    audit.record(actor, AuditAction.DELETE, exception)
    exception.delete()


@transaction.atomic
def add_time_off(*, actor: Actor, practitioner: Membership, data: dict[str, Any]) -> TimeOff:
    _may_edit(actor, practitioner)
    start, end = data.get("start"), data.get("end")
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime) and end <= start:
        raise ValidationError({"end": "The end must be after the start."})
    longest = dt.timedelta(days=LONGEST_BLOCK_DAYS)
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime) and end - start > longest:
        raise ValidationError({"end": f"Time off spans at most {LONGEST_BLOCK_DAYS} days."})
    time_off = TimeOff(practitioner=practitioner)
    apply_changes(time_off, data, TIME_OFF_FIELDS)
    time_off.save()
    audit.record(actor, AuditAction.CREATE, time_off)
    return time_off


@transaction.atomic
def delete_time_off(*, actor: Actor, time_off: TimeOff) -> None:
    _may_edit(actor, time_off.practitioner)
    audit.record(actor, AuditAction.DELETE, time_off)
    time_off.delete()


@transaction.atomic
def add_closure(*, actor: Actor, data: dict[str, Any]) -> ClinicClosure:
    require(actor, "availability.manage")
    _check_location(actor, data.get("location"))
    first, last = data.get("first_day"), data.get("last_day")
    if isinstance(first, dt.date) and isinstance(last, dt.date) and last < first:
        raise ValidationError({"last_day": "The last day is before the first day."})
    spans = (
        (last - first).days + 1 if isinstance(first, dt.date) and isinstance(last, dt.date) else 0
    )
    if spans > LONGEST_BLOCK_DAYS:
        raise ValidationError(
            {"last_day": f"A closure spans at most {LONGEST_BLOCK_DAYS} days; add another."}
        )
    closure = ClinicClosure(clinic=actor.clinic)
    apply_changes(closure, data, CLOSURE_FIELDS)
    closure.save()
    audit.record(actor, AuditAction.CREATE, closure)
    return closure


@transaction.atomic
def delete_closure(*, actor: Actor, closure: ClinicClosure) -> None:
    require(actor, "availability.manage")
    audit.record(actor, AuditAction.DELETE, closure)
    closure.delete()
