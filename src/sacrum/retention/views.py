"""Pages: the owner's retention rule and erasures, and erasing one client."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from sacrum.kernel.actor import StaffActor
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.retention import selectors, services
from sacrum.retention.forms import EraseForm, PolicyForm
from sacrum.retention.models import PRESETS, Erasure


@member_required("clinic.manage")
def retention_settings(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    policy = selectors.policy_for(actor)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_policy(actor=actor, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Retention rule saved.")
            return redirect("web:retention_settings")
    erasures: list[Erasure] = (
        list(selectors.erasures_for(actor)[:200]) if actor.can("client.erase") else []
    )
    return render(
        request,
        "retention/settings.html",
        {"form": form, "policy": policy, "erasures": erasures, "presets": PRESETS},
    )


@member_required("client.erase")
def client_erase(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    client = selectors.client_to_erase(actor, client_id)
    existing = Erasure.objects.filter(client=client).first()
    if existing is not None:
        return render(request, "retention/erased.html", {"erasure": existing})
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure = services.erase_client(
                actor=actor,
                client=client,
                reason=form.cleaned_data["reason"],
                confirmation=form.cleaned_data["confirmation"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"The client was erased. Reference: {erasure.reference}.")
            return redirect("web:retention_settings")
    policy = selectors.policy_for(actor)
    return render(
        request,
        "retention/erase.html",
        {"form": form, "client": client, "policy": policy},
    )
