"""Scheduling reads, always scoped to the actor's clinic (another clinic's row is a 404)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Membership, Room
from sacrum.kernel.actor import StaffActor
from sacrum.scheduling.models import (
    Appointment,
    AppointmentChange,
    AvailabilityException,
    ClinicClosure,
    Series,
    ServiceType,
    TimeOff,
    WeeklyHours,
)
from sacrum.scheduling.services.booking import CLINICAL_ROLES

APPOINTMENT_RELATED = (
    "client",
    "practitioner__user",
    "practitioner__practitioner_profile",
    "service",
    "location",
    "room",
)


def services_for(actor: StaffActor) -> QuerySet[ServiceType]:
    return ServiceType.objects.for_member(actor.member, "view").prefetch_related(
        Prefetch("practitioners", queryset=Membership.objects.only("id"))
    )


def service_for(actor: StaffActor, service_id: object) -> ServiceType:
    return get_scoped_or_404(services_for(actor), pk=service_id)


def practitioners_for(actor: StaffActor) -> QuerySet[Membership]:
    """Active staff who see clients (owners and practitioners), by name."""
    return (
        Membership.objects.for_member(actor.member, "view")
        .filter(active=True, role__in=CLINICAL_ROLES)
        .select_related("user", "practitioner_profile")
        .order_by("user__full_name", "user__email")
    )


def hours_for(actor: StaffActor) -> QuerySet[WeeklyHours]:
    return WeeklyHours.objects.for_member(actor.member, "view").select_related(
        "practitioner__user", "location"
    )


def hours_one(actor: StaffActor, hours_id: object) -> WeeklyHours:
    return get_scoped_or_404(hours_for(actor), pk=hours_id)


def exceptions_for(actor: StaffActor) -> QuerySet[AvailabilityException]:
    return AvailabilityException.objects.for_member(actor.member, "view").select_related(
        "practitioner__user", "location"
    )


def exception_for(actor: StaffActor, exception_id: object) -> AvailabilityException:
    return get_scoped_or_404(exceptions_for(actor), pk=exception_id)


def time_off_for(actor: StaffActor) -> QuerySet[TimeOff]:
    return TimeOff.objects.for_member(actor.member, "view").select_related("practitioner__user")


def time_off_one(actor: StaffActor, time_off_id: object) -> TimeOff:
    return get_scoped_or_404(time_off_for(actor), pk=time_off_id)


def closures_for(actor: StaffActor) -> QuerySet[ClinicClosure]:
    return ClinicClosure.objects.for_member(actor.member, "view").select_related("location")


def closure_for(actor: StaffActor, closure_id: object) -> ClinicClosure:
    return get_scoped_or_404(closures_for(actor), pk=closure_id)


def appointments_for(
    actor: StaffActor,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    practitioner_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    location_id: uuid.UUID | None = None,
    status: str | None = None,
) -> QuerySet[Appointment]:
    """Appointments overlapping [start, end) (appointment times, not buffers), filtered."""
    qs = Appointment.objects.for_member(actor.member, "view").select_related(*APPOINTMENT_RELATED)
    if start is not None:
        qs = qs.filter(end__gt=start)
    if end is not None:
        qs = qs.filter(start__lt=end)
    if practitioner_id is not None:
        qs = qs.filter(practitioner_id=practitioner_id)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("start", "practitioner__user__full_name")


def appointment_for(
    actor: StaffActor, appointment_id: object, *, audited: bool = True
) -> Appointment:
    appointment = get_scoped_or_404(
        Appointment.objects.for_member(actor.member, "view").select_related(
            *APPOINTMENT_RELATED, "clinic", "series"
        ),
        pk=appointment_id,
    )
    if audited:
        audit.record(actor, AuditAction.READ, appointment)
    return appointment


def history_for(actor: StaffActor, appointment: Appointment) -> QuerySet[AppointmentChange]:
    return (
        AppointmentChange.objects.for_member(actor.member, "view")
        .filter(appointment=appointment)
        .select_related(
            "changed_by",
            "from_practitioner__user",
            "to_practitioner__user",
            "from_room",
            "to_room",
        )
    )


def series_for(actor: StaffActor, series_id: object) -> Series:
    return get_scoped_or_404(
        Series.objects.for_member(actor.member, "view").select_related(
            "client", "practitioner__user", "service", "location", "room"
        ),
        pk=series_id,
    )


def client_appointments(
    actor: StaffActor, client: Client, limit: int = 20
) -> tuple[list[Appointment], list[Appointment]]:
    """A client's upcoming (soonest first) and past (latest first) appointments."""
    now = timezone.now()
    qs = appointments_for(actor, client_id=client.pk)
    upcoming = list(qs.filter(end__gte=now).order_by("start")[:limit])
    past = list(qs.filter(end__lt=now).order_by("-start")[:limit])
    return upcoming, past


# --- references in a request body: another clinic's id is just "not found" (422) ---


def pick(queryset: QuerySet[Any], pk: object, field: str, what: str) -> Any:
    if pk is None:
        return None
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, ValidationError) as exc:
        raise ValidationError({field: f"No such {what} in this clinic."}) from exc


def pick_client(actor: StaffActor, pk: object, field: str = "client_id") -> Client:
    return pick(Client.objects.for_member(actor.member, "view"), pk, field, "client")  # type: ignore[no-any-return]


def pick_practitioner(actor: StaffActor, pk: object, field: str = "practitioner_id") -> Membership:
    qs = Membership.objects.for_member(actor.member, "view").select_related(
        "user", "practitioner_profile"
    )
    return pick(qs, pk, field, "staff member")  # type: ignore[no-any-return]


def pick_service(actor: StaffActor, pk: object, field: str = "service_id") -> ServiceType:
    return pick(ServiceType.objects.for_member(actor.member, "view"), pk, field, "service")  # type: ignore[no-any-return]


def pick_location(actor: StaffActor, pk: object, field: str = "location_id") -> Location:
    return pick(Location.objects.for_member(actor.member, "view"), pk, field, "location")  # type: ignore[no-any-return]


def pick_room(actor: StaffActor, pk: object, field: str = "room_id") -> Room | None:
    qs = Room.objects.for_member(actor.member, "view").select_related("location")
    return pick(qs, pk, field, "room")  # type: ignore[no-any-return]
