"""Clinic settings, locations and their rooms. Thin: forms in, services out."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sacrum.clinics import selectors, services
from sacrum.clinics.forms import ClinicSettingsForm, LocationForm, RoomForm
from sacrum.clinics.models import Location
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest


def _data(form: LocationForm | ClinicSettingsForm | RoomForm) -> dict[str, object]:
    return {name: form.cleaned_data[name] for name in form.fields}


@member_required("clinic.manage")
def clinic_settings(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    clinic = request.member.clinic
    form = ClinicSettingsForm(request.POST or None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_clinic(actor=actor, clinic=clinic, data=_data(form))
        except ValidationError as exc:
            clinic.refresh_from_db()  # the header shows the saved name, not the refused one
            add_service_errors(form, exc)
        else:
            messages.success(request, "Clinic settings saved.")
            return redirect("web:clinic_settings")
    return render(request, "clinics/settings.html", {"form": form})


@member_required("location.view")
def location_list(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    return render(
        request,
        "clinics/location_list.html",
        {
            "locations": selectors.locations_with_room_counts(actor),
            "can_manage": actor.can("location.manage"),
        },
    )


@member_required("location.manage")
def location_create(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    form = LocationForm(
        request.POST or None,
        default_time_zone=request.member.clinic.time_zone,
    )
    if request.method == "POST" and form.is_valid():
        try:
            location = services.create_location(actor=actor, data=_data(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{location.name} was added. Now add its rooms.")
            return redirect("web:location_detail", location_id=location.pk)
    return render(request, "clinics/location_form.html", {"form": form, "location": None})


def _location_page(
    request: HttpRequest, actor: Actor, location: Location, room_form: RoomForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "clinics/location_detail.html",
        {
            "location": location,
            "rooms": location.rooms.all(),
            "room_form": room_form,
            "can_manage": actor.can("location.manage"),
        },
        status=status,
    )


@member_required("location.view")
def location_detail(request: MemberRequest, location_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    location = selectors.location_for(actor, location_id)
    return _location_page(request, actor, location, RoomForm(prefix="room"))


@member_required("location.manage")
def location_edit(request: MemberRequest, location_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    location = selectors.location_for(actor, location_id)
    form = LocationForm(request.POST or None, instance=location)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_location(actor=actor, location=location, data=_data(form))
        except ValidationError as exc:
            location.refresh_from_db()  # the heading shows the saved name, not the refused one
            add_service_errors(form, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect("web:location_detail", location_id=location.pk)
    return render(request, "clinics/location_form.html", {"form": form, "location": location})


@require_POST
@member_required("location.manage")
def room_create(request: MemberRequest, location_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    location = selectors.location_for(actor, location_id)
    form = RoomForm(request.POST, prefix="room")
    if form.is_valid():
        try:
            room = services.create_room(actor=actor, location=location, data=_data(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{room.name} was added.")
            return redirect("web:location_detail", location_id=location.pk)
    return _location_page(request, actor, location, form)


@member_required("location.manage")
def room_edit(request: MemberRequest, room_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    room = selectors.room_for(actor, room_id)
    form = RoomForm(request.POST or None, instance=room)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_room(actor=actor, room=room, data=_data(form))
        except ValidationError as exc:
            room.refresh_from_db()
            add_service_errors(form, exc)
        else:
            messages.success(request, f"The room is now called {room.name}.")
            return redirect("web:location_detail", location_id=room.location_id)
    return render(request, "clinics/room_form.html", {"form": form, "room": room})


@require_POST
@member_required("location.manage")
def room_active(request: MemberRequest, room_id: uuid.UUID) -> HttpResponse:
    """Take a room out of use (it stays in past appointments) or bring it back."""
    actor = StaffActor.from_request(request)
    room = selectors.room_for(actor, room_id)
    active = request.POST.get("active") == "1"
    services.update_room(actor=actor, room=room, data={"active": active})
    state = "back in use" if active else "out of use; past appointments keep it"
    messages.success(request, f"{room.name} is {state}.")
    return redirect("web:location_detail", location_id=room.location_id)


@require_POST
@member_required("location.manage")
def room_delete(request: MemberRequest, room_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    room = selectors.room_for(actor, room_id)
    location_id, name = room.location_id, room.name
    services.delete_room(actor=actor, room=room)
    messages.success(request, f"{name} was deleted.")
    return redirect("web:location_detail", location_id=location_id)
