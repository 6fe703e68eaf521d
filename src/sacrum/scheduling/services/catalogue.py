"""Writes for what the clinic offers: service types and its booking policy (owners)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from sacrum.access import audit
from sacrum.access.changes import apply_changes
from sacrum.access.models import AuditAction
from sacrum.clinics.models import Membership
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.permissions import require
from sacrum.scheduling.models import SchedulingPolicy, ServiceType
from sacrum.scheduling.services.booking import CLINICAL_ROLES

SERVICE_FIELDS = (
    "name",
    "description",
    "duration_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "price",
    "bookable_online",
    "new_clients_only",
    "needs_room",
    "active",
)
POLICY_FIELDS = (
    "cancellation_window_hours",
    "minimum_notice_minutes",
    "slot_step_minutes",
    "online_booking_enabled",
    "online_requests_need_approval",
    "online_days_ahead",
)
STEPS = (5, 10, 15, 20, 30, 60)


def _offerers(actor: Actor, practitioner_ids: Iterable[Any]) -> list[Membership]:
    wanted = {str(pk) for pk in practitioner_ids}
    found = list(
        Membership.objects.filter(clinic=actor.clinic, role__in=CLINICAL_ROLES, pk__in=list(wanted))
    )
    if len(found) != len(wanted):
        raise ValidationError(
            {"practitioner_ids": "Choose practitioners (or owners) of this clinic."}
        )
    return found


def _check_name(service: ServiceType) -> None:
    taken = (
        ServiceType.objects.filter(clinic_id=service.clinic_id, name__iexact=service.name)
        .exclude(pk=service.pk)
        .exists()
    )
    if taken:
        raise ValidationError({"name": "The clinic already has a service with this name."})


@transaction.atomic
def create_service(
    *, actor: Actor, data: dict[str, Any], practitioner_ids: Iterable[Any] = ()
) -> ServiceType:
    require(actor, "service.manage")
    service = ServiceType(clinic=actor.clinic)
    if isinstance(data.get("name"), str):
        data = {**data, "name": data["name"].strip()}
        service.name = data["name"]
        _check_name(service)
    apply_changes(service, data, SERVICE_FIELDS)
    offerers = _offerers(actor, practitioner_ids)
    service.save()
    service.practitioners.set(offerers)
    audit.record(actor, AuditAction.CREATE, service)
    return service


@transaction.atomic
def update_service(
    *,
    actor: Actor,
    service: ServiceType,
    data: dict[str, Any],
    practitioner_ids: Iterable[Any] | None = None,
) -> ServiceType:
    require(actor, "service.manage")
    if isinstance(data.get("name"), str):
        data = {**data, "name": data["name"].strip()}
        _check_name(ServiceType(pk=service.pk, clinic_id=service.clinic_id, name=data["name"]))
    changed = apply_changes(service, data, SERVICE_FIELDS)
    if changed:
        service.save()
    if practitioner_ids is not None:
        service.practitioners.set(_offerers(actor, practitioner_ids))
    audit.record(actor, AuditAction.UPDATE, service)
    return service


@transaction.atomic
def delete_service(*, actor: Actor, service: ServiceType) -> None:
    """Only a service never booked can go; otherwise it is made inactive instead (409)."""
    require(actor, "service.manage")
    if service.appointments.exists() or service.series.exists():
        raise Conflict(
            f"“{service.name}” has appointments; make it inactive instead of deleting it.",
            {"service": "Has appointments."},
        )
    audit.record(actor, AuditAction.DELETE, service)
    service.delete()


@transaction.atomic
def save_policy(*, actor: Actor, data: dict[str, Any]) -> SchedulingPolicy:
    require(actor, "clinic.manage")
    assert actor.clinic is not None
    policy = SchedulingPolicy.for_clinic(actor.clinic.pk)
    created = policy.pk is None
    apply_changes(policy, data, POLICY_FIELDS)
    if policy.slot_step_minutes not in STEPS:
        raise ValidationError(
            {"slot_step_minutes": "Use 5, 10, 15, 20, 30 or 60 minutes (whole parts of an hour)."}
        )
    policy.save()
    audit.record(actor, AuditAction.CREATE if created else AuditAction.UPDATE, policy)
    return policy
