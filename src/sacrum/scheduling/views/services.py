"""Services management (owners): what the clinic books, how long, who offers it."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from sacrum.kernel.actor import StaffActor
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.scheduling import selectors
from sacrum.scheduling.forms import PolicyForm, ServiceForm
from sacrum.scheduling.models import SchedulingPolicy
from sacrum.scheduling.services import catalogue


@member_required("service.view")
def service_list(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    services = list(selectors.services_for(actor).order_by("-active", "name"))
    names = {p.pk: p for p in selectors.practitioners_for(actor)}
    rows = [(s, [names[m.pk] for m in s.practitioners.all() if m.pk in names]) for s in services]
    policy = SchedulingPolicy.for_clinic(request.member.clinic_id)
    return render(
        request,
        "scheduling/services.html",
        {
            "rows": rows,
            "can_manage": actor.can("service.manage"),
            "can_manage_rules": actor.can("clinic.manage"),
            "policy": policy,
            "public_url": request.build_absolute_uri(
                reverse("web:online_booking", args=[request.member.clinic.slug])
            ),
        },
    )


@member_required("clinic.manage")
def booking_rules(request: MemberRequest) -> HttpResponse:
    """Owners set the cancellation window, notice, and whether clients book online."""
    actor = StaffActor.from_request(request)
    policy = SchedulingPolicy.for_clinic(request.member.clinic_id)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in PolicyForm.Meta.fields}
        try:
            catalogue.save_policy(actor=actor, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Booking rules saved.")
            return redirect("web:service_list")
    return render(request, "scheduling/booking_rules.html", {"form": form})


def _save(request: MemberRequest, service: object | None) -> HttpResponse:
    actor = StaffActor.from_request(request)
    offerers = selectors.practitioners_for(actor)
    form = ServiceForm(request.POST or None, instance=service, offerers=offerers)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ServiceForm.Meta.fields}
        ids = [m.pk for m in form.cleaned_data["practitioners"]]
        try:
            if service is None:
                saved = catalogue.create_service(actor=actor, data=data, practitioner_ids=ids)
            else:
                saved = catalogue.update_service(
                    actor=actor,
                    service=service,  # type: ignore[arg-type]
                    data=data,
                    practitioner_ids=ids,
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"“{saved.name}” saved.")
            return redirect("web:service_list")
    return render(request, "scheduling/service_form.html", {"form": form, "service": service})


@member_required("service.manage")
def service_create(request: MemberRequest) -> HttpResponse:
    return _save(request, None)


@member_required("service.manage")
def service_edit(request: MemberRequest, service_id: uuid.UUID) -> HttpResponse:
    return _save(request, selectors.service_for(StaffActor.from_request(request), service_id))
