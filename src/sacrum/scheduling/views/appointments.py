"""Booking form and the appointment page (reschedule, cancel, arrived, no-show, note)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from sacrum.clients.models import Client
from sacrum.clients.services import create_client
from sacrum.clinics.models import Location, Room
from sacrum.clinics.prices import price_writer
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.scheduling import moving, selectors
from sacrum.scheduling.calendar import practitioner_label
from sacrum.scheduling.forms import BookingForm, CancelForm, MoveToForm, NoteForm, RescheduleForm
from sacrum.scheduling.hints import booking_hints
from sacrum.scheduling.local_time import aware, from_epoch, local, zone
from sacrum.scheduling.models import Appointment, ServiceType
from sacrum.scheduling.services import booking, online
from sacrum.scheduling.services.series import cancel_series
from sacrum.screening.gates import booking_gate

FIELD_OF = {"end": "start", "client_id": "client", "note": "note"}


def _show_problem(form: Any, exc: ValidationError | Conflict) -> None:
    """Attach a service's refusal to the form: conflicts and field errors by their field."""
    if isinstance(exc, Conflict):
        # "No room is free" / "Cedar is taken": about the room alone, so by the room field.
        only_room = set(exc.fields) == {"room"} and "room" in form.fields
        form.add_error("room" if only_room else None, exc.message)
        return
    if hasattr(exc, "error_dict"):
        for name, problems in exc.message_dict.items():
            name = FIELD_OF.get(name, name)
            form.add_error(name if name in form.fields else None, problems)
    else:
        add_service_errors(form, exc)


def _choices(request: MemberRequest, location: Location | None = None) -> dict[str, Any]:
    member = request.member
    actor = StaffActor.from_request(request)
    rooms = Room.objects.for_member(member).filter(active=True).select_related("location")
    if location is not None:
        rooms = rooms.filter(location=location)
    return {
        "client": Client.objects.for_member(member).filter(archived=False),
        "service": ServiceType.objects.for_member(member).filter(active=True),
        "practitioner": selectors.practitioners_for(actor),
        "location": Location.objects.for_member(member).filter(active=True),
        "room": rooms,
    }


def _uuid_or_none(raw: str | None) -> uuid.UUID | None:
    """An id from the address bar, or None when it is missing or not a UUID (then: default)."""
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


@member_required("schedule.edit")
def book(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    source = request.POST if request.method == "POST" else None
    initial = {
        k: request.GET.get(k)
        for k in ("client", "service", "practitioner", "location", "start", "room")
    }
    choices = _choices(request)
    location = (
        choices["location"]
        .filter(pk=_uuid_or_none((source or request.GET).get("location")))
        .first()
    )
    if location is None:
        location = choices["location"].first()
    form = BookingForm(
        source,
        initial={k: v for k, v in initial.items() if v},
        choices=choices,
        write_price=price_writer(request.member.clinic),
    )
    if source is not None and form.is_valid():
        data = form.cleaned_data
        where = data["location"]
        try:
            # A new client is added with the booking or not at all: a refused time
            # leaves no half-made record behind.
            with transaction.atomic():
                client = _new_client(actor, form) if form.adds_client else data["client"]
                appointment = booking.book(
                    actor=actor,
                    booking=booking.Booking(
                        client=client,
                        practitioner=data["practitioner"],
                        service=data["service"],
                        location=where,
                        start=aware(data["start"].replace(tzinfo=None), zone(where.time_zone)),
                        room=data["room"],
                        note=data["note"],
                    ),
                )
        except NewClientRefused as refused:
            _show_problem(form, refused.problem)
        except (ValidationError, Conflict) as exc:
            _show_problem(form, exc)
        else:
            when = local(appointment.start, zone(where.time_zone))
            messages.success(
                request,
                f"Booked {appointment.client.full_name} with "
                f"{practitioner_label(appointment.practitioner)} on "
                f"{when:%a} {when.day} {when:%b} at {when:%H:%M}.",
            )
            for reason in booking_gate(appointment.client):
                messages.warning(request, f"Not bookable online: {reason}")
            return redirect("web:appointment_detail", appointment_id=appointment.pk)
    chosen = _chosen_client(choices, form)
    return render(
        request,
        "scheduling/book.html",
        {
            "form": form,
            "location": location,
            "online_gate": booking_gate(chosen) if chosen is not None else [],
            "hints": booking_hints(chosen) if chosen is not None else [],
        },
    )


class NewClientRefused(Exception):
    """The new client's details were refused (named by the form's new-client fields)."""

    def __init__(self, problem: ValidationError) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _new_client(actor: StaffActor, form: BookingForm) -> Client:
    """The client added from the booking form; their details' errors go by their fields."""
    if not actor.can("client.edit"):
        raise NewClientRefused(
            ValidationError({"client": "Your role can book existing clients only."})
        )
    try:
        return create_client(actor=actor, data=form.new_client_data())
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise NewClientRefused(
                ValidationError({f"new_{k}": v for k, v in exc.error_dict.items()})
            ) from exc
        raise NewClientRefused(exc) from exc


def _chosen_client(choices: dict[str, Any], form: BookingForm) -> Client | None:
    """The client chosen in the form or the address bar, or None."""
    chosen = form.data.get("client") if form.is_bound else form.initial.get("client")
    if not chosen:
        return None
    try:
        found: Client | None = choices["client"].filter(pk=chosen).first()
    except (ValueError, ValidationError):
        return None
    return found


def _appointment(
    request: MemberRequest, appointment_id: uuid.UUID, audited: bool = True
) -> Appointment:
    return selectors.appointment_for(
        StaffActor.from_request(request), appointment_id, audited=audited
    )


def _page(
    request: MemberRequest,
    appointment: Appointment,
    asked: dict[str, str] | None = None,
    **forms: Any,
) -> HttpResponse:
    """The appointment page; ``asked`` is the picker's day, practitioner and chosen time."""
    actor = StaffActor.from_request(request)
    tz = zone(appointment.location.time_zone)
    choices = _choices(request, appointment.location)
    reschedule_form = forms.get("reschedule") or RescheduleForm(
        initial={
            "start": local(appointment.start, tz).replace(tzinfo=None),
            "practitioner": appointment.practitioner_id,
            "room": appointment.room_id,
        },
        choices={"practitioner": choices["practitioner"], "room": choices["room"]},
    )
    history = list(selectors.history_for(actor, appointment))
    for change in history:  # shown in the location's local time
        change.local_from = local(change.from_start, tz) if change.from_start else None  # type: ignore[attr-defined]
        change.local_to = local(change.to_start, tz) if change.to_start else None  # type: ignore[attr-defined]
    allowed = booking.TRANSITIONS.get(appointment.status, frozenset())
    steps = [
        (status, label)
        for status, label in (
            ("confirmed", "Confirm"),
            ("booked", "Accept request"),
            ("arrived", "Mark arrived"),
            ("completed", "Mark completed"),
            ("no_show", "Mark no-show"),
        )
        if status in allowed
        and _timely(appointment, status)
        # an online hold is confirmed by the client's e-mailed link, not here
        and not (appointment.hold_expires_at and status in ("confirmed", "booked"))
    ]
    movable = appointment.status in booking.MOVABLE
    picker = None
    if movable and actor.can("schedule.edit"):
        picker = moving.picker(appointment, choices["practitioner"], asked or {})
    move_form = forms.get("move_to")
    if picker is not None and picker.chosen is not None and move_form is None:
        move_form = MoveToForm(
            initial={"at": picker.chosen.epoch, "practitioner": picker.practitioner.pk},
            practitioners=choices["practitioner"],
        )
    context = {
        "appointment": appointment,
        "local_start": local(appointment.start, tz),
        "local_end": local(appointment.end, tz),
        "tz_name": appointment.location.time_zone,
        "history": history,
        "steps": steps,
        "can_edit": actor.can("schedule.edit"),
        "movable": movable,
        "picker": picker,
        "move_form": move_form,
        "new_time": moving.new_time(appointment, picker.chosen.epoch)
        if picker is not None and picker.chosen is not None
        else None,
        "held_until": local(appointment.hold_expires_at, tz)
        if appointment.status == "requested" and appointment.hold_expires_at
        else None,
        "cancellable": "cancelled" in allowed,
        "reschedule_form": reschedule_form,
        "cancel_form": forms.get("cancel") or CancelForm(initial={"by": "client"}),
        "note_form": forms.get("note") or NoteForm(initial={"note": appointment.front_desk_note}),
        "calendar_query": f"location={appointment.location_id}&date={local(appointment.start, tz):%Y-%m-%d}",
    }
    # Every timestamp on the page (booked, history, alerts) in the location's time, like
    # the appointment's own start and end: the template's date filter uses this zone.
    with timezone.override(tz):
        return render(request, "scheduling/appointment.html", context)


def _timely(appointment: Appointment, status: str) -> bool:
    """Offer check-in on the day, and completed / no-show once it has started."""
    now = timezone.now()
    if status == "arrived":
        return appointment.start - now <= booking.ARRIVAL_WINDOW
    if status in ("completed", "no_show"):
        return appointment.start <= now
    return True


@member_required("schedule.view")
def detail(request: MemberRequest, appointment_id: uuid.UUID) -> HttpResponse:
    asked = {k: request.GET.get(k, "") for k in ("day", "with", "at")}
    return _page(request, _appointment(request, appointment_id), asked)


@require_POST
@member_required("schedule.edit")
def reschedule(request: MemberRequest, appointment_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    appointment = _appointment(request, appointment_id, audited=False)
    choices = _choices(request, appointment.location)
    form = RescheduleForm(
        request.POST, choices={"practitioner": choices["practitioner"], "room": choices["room"]}
    )
    if form.is_valid():
        data = form.cleaned_data
        tz = zone(appointment.location.time_zone)
        try:
            booking.reschedule(
                actor=actor,
                appointment=appointment,
                start=aware(data["start"].replace(tzinfo=None), tz),
                practitioner=data["practitioner"],
                room=data["room"],  # None ("Any free room"): the service picks a free one
                reason=data["reason"],
            )
        except (ValidationError, Conflict) as exc:
            _show_problem(form, exc)
            appointment = _appointment(request, appointment_id, audited=False)
        else:
            messages.success(request, "The appointment was moved.")
            return redirect("web:appointment_detail", appointment_id=appointment.pk)
    return _page(request, appointment, reschedule=form)


@require_POST
@member_required("schedule.edit")
def move_to(request: MemberRequest, appointment_id: uuid.UUID) -> HttpResponse:
    """A free time chosen in the picker and confirmed: moved by the same service as "Move"."""
    actor = StaffActor.from_request(request)
    appointment = _appointment(request, appointment_id, audited=False)
    choices = _choices(request, appointment.location)
    form = MoveToForm(request.POST, practitioners=choices["practitioner"])
    if form.is_valid():
        data = form.cleaned_data
        try:
            # The room: a service that needs one gets a free one (the same if it is free);
            # otherwise the appointment keeps its room, which the picker checked.
            booking.reschedule(
                actor=actor,
                appointment=appointment,
                start=from_epoch(data["at"]),
                practitioner=data["practitioner"],
                reason=data["reason"],
            )
        except (ValidationError, Conflict) as exc:
            _show_move_problem(form, exc)
            appointment = _appointment(request, appointment_id, audited=False)
            if appointment.status not in booking.MOVABLE:  # no picker to show it by
                messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
                return redirect("web:appointment_detail", appointment_id=appointment.pk)
        else:
            messages.success(request, "The appointment was moved.")
            return redirect("web:appointment_detail", appointment_id=appointment.pk)
    # Back to the chosen day: a refused time among that day's free times (without it,
    # when it was taken), any other problem by its field in the "from → to" step.
    asked = {"with": request.POST.get("practitioner", "")}
    at = form.cleaned_data.get("at")
    if at is not None:
        asked["day"] = f"{local(from_epoch(at), zone(appointment.location.time_zone)):%Y-%m-%d}"
        if not form.non_field_errors():
            asked["at"] = str(at)
    return _page(request, appointment, asked, move_to=form)


def _show_move_problem(form: MoveToForm, exc: ValidationError | Conflict) -> None:
    """Every refusal of a picked time is about the time: shown above the day's free times."""
    if isinstance(exc, ValidationError):
        for problem in exc.messages:
            form.add_error(None, problem)
    else:
        form.add_error(None, exc.message)


@require_POST
@member_required("schedule.edit")
def cancel(request: MemberRequest, appointment_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    appointment = _appointment(request, appointment_id, audited=False)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            if request.POST.get("following") == "1" and appointment.series is not None:
                done = cancel_series(
                    actor=actor,
                    series=appointment.series,
                    from_start=appointment.start,
                    reason=form.cleaned_data["reason"],
                    party=form.cleaned_data["by"],
                )
                messages.success(request, f"Cancelled this and {len(done) - 1} following.")
            else:
                booking.cancel(
                    actor=actor,
                    appointment=appointment,
                    reason=form.cleaned_data["reason"],
                    party=form.cleaned_data["by"],
                )
                late = " (late cancellation)" if appointment.cancelled_late else ""
                messages.success(request, f"The appointment was cancelled{late}.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("web:appointment_detail", appointment_id=appointment.pk)
    return _page(request, appointment, cancel=form)


@require_POST
@member_required("schedule.edit")
def change_status(request: MemberRequest, appointment_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    appointment = _appointment(request, appointment_id, audited=False)
    status = request.POST.get("status", "")
    try:
        if status == "booked" and appointment.status == "requested":
            # Accepting a request: an online one also gets its confirmation e-mail.
            online.accept_request(actor=actor, appointment=appointment)
        else:
            booking.change_status(actor=actor, appointment=appointment, status=status)
    except (ValidationError, Conflict) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"Marked {appointment.get_status_display().lower()}.")
    return redirect("web:appointment_detail", appointment_id=appointment.pk)


@require_POST
@member_required("schedule.edit")
def note(request: MemberRequest, appointment_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    appointment = _appointment(request, appointment_id, audited=False)
    form = NoteForm(request.POST)
    if form.is_valid():
        booking.update_note(actor=actor, appointment=appointment, note=form.cleaned_data["note"])
        messages.success(request, "Note saved.")
        return redirect("web:appointment_detail", appointment_id=appointment.pk)
    return _page(request, appointment, note=form)
