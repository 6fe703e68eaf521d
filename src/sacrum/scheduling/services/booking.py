"""Booking: the one door through which every appointment's time, people and room are written.

``book`` (new, confirm a request, each series occurrence), ``reschedule`` (new time,
practitioner, location or room) and the status changes that make an appointment hold
time again all end in ``_place``: validate, then — inside one transaction — check for
overlaps of the practitioner, the room and the client, save, record the history and
the audit entry. On SQLite that transaction is ``BEGIN IMMEDIATE`` (settings), so the
check and the write cannot interleave with another booking; on PostgreSQL the
exclusion constraints catch what a concurrent transaction slipped in, and that
IntegrityError becomes the same ``Conflict`` naming what overlaps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.roles import Role
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Location, Membership, Room
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.permissions import require
from sacrum.scheduling.constraints import is_overlap_error
from sacrum.scheduling.intervals import contains
from sacrum.scheduling.local_time import DASH, local, zone
from sacrum.scheduling.models import (
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    CancelledBy,
    ChangeKind,
    SchedulingPolicy,
    Series,
    ServiceType,
    Source,
)
from sacrum.scheduling.models.appointments import ACTIVE_VALUES
from sacrum.scheduling.models.catalogue import MAX_DURATION, MIN_DURATION
from sacrum.scheduling.slots import working_time
from sacrum.screening.gates import booking_gate, urgent_gate

S = AppointmentStatus
# Which status may follow which. Cancelled, no-show and completed are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.BOOKED, S.CANCELLED}),
    S.BOOKED: frozenset({S.CONFIRMED, S.ARRIVED, S.CANCELLED, S.NO_SHOW}),
    S.CONFIRMED: frozenset({S.ARRIVED, S.CANCELLED, S.NO_SHOW}),
    S.ARRIVED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
}
MOVABLE = frozenset({S.REQUESTED, S.BOOKED, S.CONFIRMED})
CLINICAL_ROLES = (Role.OWNER, Role.PRACTITIONER)
ARRIVAL_WINDOW = dt.timedelta(hours=12)
ONLINE_REFUSED = "This client can't be booked online or by a link."


class OnlineBookingRefused(ValidationError):
    """Screening's booking gate is closed: no client-initiated route may book this client.

    A ``ValidationError`` (422 in the API) so every caller already shows it by its field;
    the public pages catch it by type and say only "please contact the clinic".
    """


def check_online_gate(client: Client) -> None:
    """Refuse a client-initiated booking or move while ``booking_gate(client)`` has reasons.

    The reasons never name a condition (screening's promise), so staff may read them.
    """
    reasons = booking_gate(client)
    if reasons:
        raise OnlineBookingRefused(
            {"client": f"{ONLINE_REFUSED} {' '.join(reasons)} Staff can still book them."}
        )


def check_urgent_gate(client: Client) -> None:
    """Refuse any new booking, staff included, while an urgent finding awaits assessment.

    The client was told to seek urgent medical care; the reason names no condition.
    """
    reasons = urgent_gate(client)
    if reasons:
        raise ValidationError({"client": " ".join(reasons)})


def when(instant: dt.datetime, tz: dt.tzinfo, end: dt.datetime | None = None) -> str:
    """'Tue 3 Mar 10:00-10:50 GMT' (with an en dash) in the location's local time."""
    start = local(instant, tz)
    text = f"{start:%a} {start.day} {start:%b %H:%M}"
    if end is not None:
        text += f"{DASH}{local(end, tz):%H:%M}"
    return f"{text} {start:%Z}"


def _name(member: Membership) -> str:
    profile = getattr(member, "practitioner_profile", None)
    return profile.display_name if profile else member.user.display_name


# --- validation (422) --------------------------------------------------------


def _validate_people_and_place(appointment: Appointment) -> None:
    """Everything must belong to the appointment's clinic, be active, and fit together."""
    clinic_id = appointment.clinic_id
    errors: dict[str, str] = {}
    client, service, location = appointment.client, appointment.service, appointment.location
    practitioner, room = appointment.practitioner, appointment.room
    if client.clinic_id != clinic_id or client.archived:
        errors["client"] = "Choose an active client of this clinic."
    if location.clinic_id != clinic_id or not location.active:
        errors["location"] = "Choose an open location of this clinic."
    if service.clinic_id != clinic_id or not service.active:
        errors["service"] = "Choose an active service of this clinic."
    if (
        practitioner.clinic_id != clinic_id
        or not practitioner.active
        or practitioner.role not in CLINICAL_ROLES
    ):
        errors["practitioner"] = "Choose an active practitioner of this clinic."
    elif "service" not in errors and not service.practitioners.filter(pk=practitioner.pk).exists():
        errors["service"] = f"{_name(practitioner)} does not offer “{service.name}”."
    if room is not None and (room.location_id != location.pk or not room.active):
        errors["room"] = f"Choose a room at {location.name}."
    if errors:
        raise ValidationError(errors)


def _validate_times(appointment: Appointment, *, allow_past: bool = False) -> None:
    start, end = appointment.start, appointment.end
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError({"start": "Times must carry a time zone."})
    if start.second or start.microsecond or end.second or end.microsecond:
        raise ValidationError({"start": "Times are in whole minutes."})
    if end <= start:
        raise ValidationError({"end": "The end must be after the start."})
    minutes = (end - start).total_seconds() / 60
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise ValidationError(
            {"end": f"An appointment lasts between {MIN_DURATION} and {MAX_DURATION} minutes."}
        )
    if not allow_past and start < timezone.now():
        raise ValidationError({"start": "This time is in the past."})


def _check_new_client(appointment: Appointment) -> None:
    if not appointment.service.new_clients_only:
        return
    seen = (
        Appointment.objects.filter(client_id=appointment.client_id)
        .exclude(pk=appointment.pk)
        .exclude(status=S.CANCELLED)
        .exists()
    )
    if seen:
        raise ValidationError({"service": f"“{appointment.service.name}” is for new clients only."})


def _check_hours(appointment: Appointment) -> None:
    """The appointment must lie within the practitioner's hours there, not in time off."""
    tz = zone(appointment.location.time_zone)
    first = local(appointment.start, tz).date()
    last = local(appointment.end, tz).date()
    time = working_time(
        appointment.location,
        Membership.objects.filter(pk=appointment.practitioner_id).values("pk"),
        first,
        last,
    )
    start, end = int(appointment.start.timestamp()), int(appointment.end.timestamp())
    spans = time.working.get(appointment.practitioner_id, [])
    who = _name(appointment.practitioner)
    if not contains(spans, start, end):
        hours = ", ".join(
            f"{local(dt.datetime.fromtimestamp(a, dt.UTC), tz):%H:%M}{DASH}"
            f"{local(dt.datetime.fromtimestamp(b, dt.UTC), tz):%H:%M}"
            for a, b in spans
            if local(dt.datetime.fromtimestamp(a, dt.UTC), tz).date() == first
        )
        detail = f" Hours that day: {hours}." if hours else " They do not work there that day."
        raise ValidationError(
            {
                "start": f"{when(appointment.start, tz, appointment.end)} is outside "
                f"{who}'s hours at {appointment.location.name}.{detail}"
            }
        )
    blocked = int(appointment.blocked_start.timestamp()), int(appointment.blocked_end.timestamp())
    if any(
        a < blocked[1] and blocked[0] < b for a, b in time.away.get(appointment.practitioner_id, [])
    ):
        raise ValidationError({"start": f"{who} is away (time off) at that time."})


# --- conflicts (409) -----------------------------------------------------------


def _conflicts(appointment: Appointment) -> list[Appointment]:
    who = {"practitioner_id": appointment.practitioner_id, "client_id": appointment.client_id}
    qs = Appointment.objects.active().overlapping(
        appointment.blocked_start, appointment.blocked_end
    )
    match = Q(practitioner_id=who["practitioner_id"]) | Q(client_id=who["client_id"])
    if appointment.room_id is not None:
        match |= Q(room_id=appointment.room_id)
    return list(
        qs.filter(match)
        .exclude(pk=appointment.pk)
        .exclude(status=S.REQUESTED, hold_expires_at__lte=timezone.now())  # lapsed holds
        .select_related(
            "practitioner__user", "practitioner__practitioner_profile", "room", "client"
        )
        .order_by("start")
    )


def _describe(appointment: Appointment, conflicts: list[Appointment]) -> Conflict:
    tz = zone(appointment.location.time_zone)
    fields: dict[str, str] = {}
    for other in conflicts:
        span = when(other.start, tz, other.end)
        buffered = other.blocked_start != other.start or other.blocked_end != other.end
        note = (
            f" (with buffers {local(other.blocked_start, tz):%H:%M}{DASH}"
            f"{local(other.blocked_end, tz):%H:%M} is kept free)"
            if buffered
            else ""
        )
        if other.practitioner_id == appointment.practitioner_id:
            fields.setdefault(
                "practitioner",
                f"{_name(other.practitioner)} already has an appointment {span}{note}.",
            )
        if appointment.room_id is not None and other.room_id == appointment.room_id:
            assert other.room is not None
            fields.setdefault("room", f"{other.room.name} is taken {span}{note}.")
        if other.client_id == appointment.client_id:
            fields.setdefault(
                "client", f"{appointment.client.full_name} already has an appointment {span}."
            )
    if not fields:
        return Conflict("This time was just taken by another booking. Choose another time.")
    return Conflict(" ".join(fields.values()), fields)


def _pick_room(appointment: Appointment, prefer: Room | None = None) -> Room:
    """A free active room at the location for the blocked range (the preferred one if free)."""
    busy = (
        Appointment.objects.active()
        .overlapping(appointment.blocked_start, appointment.blocked_end)
        .exclude(pk=appointment.pk)
        .exclude(status=S.REQUESTED, hold_expires_at__lte=timezone.now())
        .filter(room__isnull=False)
        .values("room_id")
    )
    free = list(
        Room.objects.filter(location=appointment.location, active=True)
        .exclude(pk__in=busy)
        .order_by("name")
    )
    if not free:
        tz = zone(appointment.location.time_zone)
        message = (
            f"No room is free at {appointment.location.name} "
            f"{when(appointment.start, tz, appointment.end)}."
        )
        raise Conflict(message, {"room": message})
    return next((r for r in free if prefer is not None and r.pk == prefer.pk), free[0])


def _set_blocked(appointment: Appointment) -> None:
    service = appointment.service
    appointment.blocked_start = appointment.start - dt.timedelta(
        minutes=service.buffer_before_minutes
    )
    appointment.blocked_end = appointment.end + dt.timedelta(minutes=service.buffer_after_minutes)


def _place(
    actor: Actor,
    appointment: Appointment,
    *,
    action: AuditAction,
    change: AppointmentChange | None = None,
    choose_room: bool = False,
    prefer_room: Room | None = None,
) -> Appointment:
    """Check overlaps and write, atomically. The only code that saves a time-holding row.

    A lapsed online hold the periodic job has not cancelled yet still holds its time in
    the database; when it is what the database refuses, it is cancelled and the write
    tried once more.
    """
    refused: IntegrityError | None = None
    for attempt in range(2):
        try:
            return _write(
                actor, appointment, action, change, choose_room=choose_room, prefer_room=prefer_room
            )
        except IntegrityError as exc:
            if not is_overlap_error(exc):
                raise
            refused = exc
        if attempt == 0 and not release_lapsed_holds(appointment):
            break
    raise _describe(appointment, _conflicts(appointment)) from refused


def release_lapsed_holds(appointment: Appointment | None = None) -> int:
    """Cancel online holds whose time ran out unconfirmed (all, or those in ``appointment``'s way).

    Returns how many. The periodic job calls it for all; a booking calls it for the few
    that overlap it, so a lapsed hold never blocks a booking in the meantime.
    """
    now = timezone.now()
    lapsed = Appointment.objects.filter(status=S.REQUESTED, hold_expires_at__lte=now)
    if appointment is not None:
        match = Q(practitioner_id=appointment.practitioner_id) | Q(client_id=appointment.client_id)
        if appointment.room_id is not None:
            match |= Q(room_id=appointment.room_id)
        lapsed = lapsed.overlapping(appointment.blocked_start, appointment.blocked_end).filter(
            match
        )
    system = Actor.system(via="expiry")  # the audit's via: at most 10 characters
    released = 0
    for hold in lapsed.select_related("clinic"):
        cancel_unchecked(
            actor=system,
            appointment=hold,
            reason="Held online; not confirmed by e-mail in time.",
            party=CancelledBy.CLIENT,
        )
        released += 1
    return released


def _write(
    actor: Actor,
    appointment: Appointment,
    action: AuditAction,
    change: AppointmentChange | None,
    *,
    choose_room: bool,
    prefer_room: Room | None,
) -> Appointment:
    """One attempt: the overlap check and the write in one transaction."""
    with transaction.atomic():
        if choose_room:
            appointment.room = _pick_room(appointment, prefer_room)
        if change is not None and change.kind != ChangeKind.STATUS:
            change.to_room = appointment.room
        conflicts = _conflicts(appointment)
        if conflicts:
            raise _describe(appointment, conflicts)
        appointment.save()
        if change is not None:
            change.appointment = appointment
            change.changed_by = actor.user
            change.save()
        audit.record(actor, action, appointment, clinic=appointment.clinic)
    return appointment


def problem_with(appointment: Appointment) -> str:
    """Why an unsaved appointment could not be booked as it is ('' when it could)."""
    try:
        _validate_times(appointment)
        _set_blocked(appointment)
        _check_hours(appointment)
    except ValidationError as exc:
        return " ".join(exc.messages)
    conflicts = _conflicts(appointment)
    if conflicts:
        return _describe(appointment, conflicts).message
    if appointment.service.needs_room and appointment.room_id is None:
        try:
            _pick_room(appointment)
        except Conflict as exc:
            return exc.message
    return ""


# --- the operations -------------------------------------------------------------


@dataclass
class Booking:
    """What a booking asks for; ``end`` defaults to start + the service's duration."""

    client: Client
    practitioner: Membership
    service: ServiceType
    location: Location
    start: dt.datetime
    end: dt.datetime | None = None
    room: Room | None = None
    note: str = ""
    source: str = Source.STAFF
    status: str = S.BOOKED
    series: Series | None = None
    hold_until: dt.datetime | None = None  # an online hold: requested, freed at this time


def book(*, actor: Actor, booking: Booking, check_hours: bool = True) -> Appointment:
    """Book an appointment (staff, online request, or one occurrence of a series).

    ``booking.source == "online"`` means the client asked (page, link, API on their behalf,
    waitlist acceptance): then screening's booking gate must be open.
    """
    require(actor, "schedule.edit")
    assert actor.clinic is not None
    return book_for_clinic(
        actor=actor, clinic=actor.clinic, booking=booking, check_hours=check_hours
    )


def book_for_clinic(
    *, actor: Actor, clinic: Clinic, booking: Booking, check_hours: bool = True
) -> Appointment:
    """``book`` without the role check, for the client's own routes (public page, links).

    The caller has established who is asking (an e-mailed token); everything else —
    validation, the online gate, the overlap check and the audit entry — is the same door.
    """
    if booking.status not in (S.REQUESTED, S.BOOKED, S.CONFIRMED):
        raise ValidationError({"status": "A new appointment is requested, booked or confirmed."})
    start = booking.start
    appointment = Appointment(
        clinic=clinic,
        client=booking.client,
        practitioner=booking.practitioner,
        service=booking.service,
        location=booking.location,
        room=booking.room,
        start=start,
        end=booking.end or start + dt.timedelta(minutes=booking.service.duration_minutes),
        status=booking.status,
        source=booking.source,
        front_desk_note=booking.note.strip(),
        series=booking.series,
        hold_expires_at=booking.hold_until,
        created_by=actor.user,
    )
    if len(appointment.front_desk_note) > 500:
        raise ValidationError({"note": "Keep the note under 500 characters."})
    if booking.source not in Source.values:
        raise ValidationError({"source": "The source is staff or online."})
    if booking.hold_until is not None and booking.status != S.REQUESTED:
        raise ValidationError({"status": "An online hold is a requested appointment."})
    _validate_times(appointment)
    _validate_people_and_place(appointment)
    if booking.source == Source.ONLINE:
        check_online_gate(booking.client)
    else:
        check_urgent_gate(booking.client)
    _set_blocked(appointment)
    _check_new_client(appointment)
    if check_hours:
        _check_hours(appointment)
    choose = booking.service.needs_room and booking.room is None
    return _place(actor, appointment, action=AuditAction.CREATE, choose_room=choose)


_UNSET: Any = object()


def reschedule(
    *,
    actor: Actor,
    appointment: Appointment,
    start: dt.datetime | None = None,
    practitioner: Membership | None = None,
    location: Location | None = None,
    room: Room | None = _UNSET,
    reason: str = "",
    source: str = Source.STAFF,
) -> Appointment:
    """Move to another time, practitioner, location or room; the history keeps the old values.

    ``room``: left out, the appointment keeps its room where it is free (a service that
    needs one gets a free one otherwise); ``None`` for a service that needs a room means
    "any free room" (the current one if it is free), as a new booking does; a room: that one.
    ``source="online"``: the client moves it (their manage link), so the booking gate applies.
    """
    require(actor, "schedule.edit")
    return reschedule_unchecked(
        actor=actor,
        appointment=appointment,
        start=start,
        practitioner=practitioner,
        location=location,
        room=room,
        reason=reason,
        source=source,
    )


def reschedule_unchecked(
    *,
    actor: Actor,
    appointment: Appointment,
    start: dt.datetime | None = None,
    practitioner: Membership | None = None,
    location: Location | None = None,
    room: Room | None = _UNSET,
    reason: str = "",
    source: str = Source.STAFF,
) -> Appointment:
    """``reschedule`` without the role check: for the client's manage link only."""
    if source == Source.ONLINE:
        check_online_gate(appointment.client)
    if appointment.status not in MOVABLE:
        raise ValidationError(
            {"status": f"A {appointment.get_status_display().lower()} appointment cannot be moved."}
        )
    if room is None and appointment.service.needs_room:
        room = _UNSET  # "no room" is not an answer for a service held in a room: any free one
    change = AppointmentChange(
        from_start=appointment.start,
        from_end=appointment.end,
        from_practitioner_id=appointment.practitioner_id,
        from_room_id=appointment.room_id,
        from_status=appointment.status,
        to_status=appointment.status,
        reason=reason.strip()[:300],
    )
    duration = appointment.end - appointment.start
    if start is not None:
        appointment.start, appointment.end = start, start + duration
    if practitioner is not None:
        appointment.practitioner = practitioner
    prefer = appointment.room
    if location is not None and location.pk != appointment.location_id:
        appointment.location = location
        prefer = None
        if room is _UNSET:
            appointment.room = None
    if room is not _UNSET:
        appointment.room = room
    moved = change.from_start != appointment.start
    reassigned = (
        change.from_practitioner_id != appointment.practitioner_id
        or change.from_room_id != (appointment.room.pk if appointment.room else None)
        or location is not None
    )
    if not moved and not reassigned:
        return appointment
    _validate_times(appointment)
    _validate_people_and_place(appointment)
    _set_blocked(appointment)
    _check_hours(appointment)
    change.kind = ChangeKind.RESCHEDULED if moved else ChangeKind.REASSIGNED
    change.to_start, change.to_end = appointment.start, appointment.end
    change.to_practitioner_id = appointment.practitioner_id
    choose = appointment.service.needs_room and room is _UNSET
    if choose:
        appointment.room = None
    return _place(
        actor,
        appointment,
        action=AuditAction.UPDATE,
        change=change,
        choose_room=choose,
        prefer_room=prefer,
    )


def change_status(
    *, actor: Actor, appointment: Appointment, status: str, reason: str = ""
) -> Appointment:
    """Move along the life cycle (confirm, arrived, completed, no-show); cancel has its own door."""
    require(actor, "schedule.edit")
    if status == S.CANCELLED:
        return cancel(actor=actor, appointment=appointment, reason=reason)
    if status not in TRANSITIONS.get(appointment.status, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(appointment.status, ()))) or "none"
        raise ValidationError(
            {
                "status": f"A {appointment.get_status_display().lower()} appointment cannot "
                f"become “{status}”. Allowed: {allowed}."
            }
        )
    if appointment.hold_expires_at is not None:
        raise ValidationError(
            {
                "status": "This time is held for someone booking online until they confirm "
                "from their e-mail; only they can confirm it (or cancel it to free the time)."
            }
        )
    now = timezone.now()
    if status in (S.COMPLETED, S.NO_SHOW) and appointment.start > now:
        raise ValidationError({"status": "This appointment has not started yet."})
    if status == S.ARRIVED and appointment.start - now > ARRIVAL_WINDOW:
        raise ValidationError({"status": "Clients can be checked in on the day of the visit."})
    change = AppointmentChange(
        kind=ChangeKind.STATUS,
        from_status=appointment.status,
        to_status=status,
        reason=reason.strip()[:300],
    )
    appointment.status = status
    if status in ACTIVE_VALUES:
        # Confirming a request makes it hold time again: through the one door.
        return _place(actor, appointment, action=AuditAction.UPDATE, change=change)
    with transaction.atomic():
        appointment.save(update_fields=["status", "updated_at"])
        change.appointment = appointment
        change.changed_by = actor.user
        change.save()
        audit.record(actor, AuditAction.UPDATE, appointment, clinic=appointment.clinic)
    return appointment


def confirm_hold(*, actor: Actor, appointment: Appointment, status: str) -> Appointment:
    """The client confirmed an online hold from the e-mail: booked, or requested when the
    front desk accepts each online booking. No role check: the e-mailed token proved who
    is asking (only ``services/online.py`` calls it). The time was held all along.
    """
    if not appointment.is_held_until(timezone.now()):
        raise ValidationError({"start": "This time is no longer held."})
    if status not in (S.REQUESTED, S.BOOKED):
        raise ValidationError({"status": "A confirmed hold is booked or requested."})
    change = AppointmentChange(
        kind=ChangeKind.STATUS,
        from_status=appointment.status,
        to_status=status,
        reason="Confirmed by the client from the e-mailed link.",
    )
    appointment.status = status
    appointment.hold_expires_at = None
    with transaction.atomic():
        appointment.save(update_fields=["status", "hold_expires_at", "updated_at"])
        change.appointment = appointment
        change.changed_by = actor.user
        change.save()
        audit.record(actor, AuditAction.UPDATE, appointment, clinic=appointment.clinic)
    return appointment


def cancel(
    *,
    actor: Actor,
    appointment: Appointment,
    reason: str = "",
    party: str = CancelledBy.CLINIC,
) -> Appointment:
    """Cancel; late when inside the clinic's cancellation window. Frees the time."""
    require(actor, "schedule.edit")
    return cancel_unchecked(actor=actor, appointment=appointment, reason=reason, party=party)


def cancel_unchecked(
    *,
    actor: Actor,
    appointment: Appointment,
    reason: str = "",
    party: str = CancelledBy.CLINIC,
) -> Appointment:
    """``cancel`` without the role check: for the client's manage link only."""
    if S.CANCELLED not in TRANSITIONS.get(appointment.status, frozenset()):
        raise ValidationError(
            {
                "status": f"A {appointment.get_status_display().lower()} appointment cannot be cancelled."
            }
        )
    if party not in CancelledBy.values:
        raise ValidationError({"party": "Cancelled by the clinic or the client."})
    now = timezone.now()
    policy = SchedulingPolicy.for_clinic(appointment.clinic_id)
    change = AppointmentChange(
        kind=ChangeKind.STATUS,
        from_status=appointment.status,
        to_status=S.CANCELLED,
        reason=reason.strip()[:300],
    )
    appointment.status = S.CANCELLED
    appointment.cancelled_at = now
    appointment.cancelled_by = actor.user
    appointment.cancelled_by_party = party
    appointment.cancellation_reason = reason.strip()[:300]
    appointment.cancelled_late = appointment.start - now < dt.timedelta(
        hours=policy.cancellation_window_hours
    )
    with transaction.atomic():
        appointment.save()
        change.appointment = appointment
        change.changed_by = actor.user
        change.save()
        audit.record(actor, AuditAction.UPDATE, appointment, clinic=appointment.clinic)
    return appointment


def update_note(*, actor: Actor, appointment: Appointment, note: str) -> Appointment:
    require(actor, "schedule.edit")
    note = note.strip()
    if len(note) > 500:
        raise ValidationError({"note": "Keep the note under 500 characters."})
    with transaction.atomic():
        appointment.front_desk_note = note
        appointment.save(update_fields=["front_desk_note", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, appointment, clinic=appointment.clinic)
    return appointment
