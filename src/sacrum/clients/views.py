"""Client pages: list with search, create, view, edit. Thin: forms in, services out."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sacrum.clients import badges, consent, selectors, services
from sacrum.clients.forms import ClientForm
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest

PAGE_SIZE = 25


@member_required("client.view")
def client_list(request: MemberRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    show_archived = request.GET.get("archived") == "1"
    qs = selectors.clients_for(
        StaffActor.from_request(request), search=q, include_archived=show_archived
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    clinical = request.member.can("clinical.view")
    found = badges.badges_for([c.pk for c in page.object_list], clinical=clinical)
    for c in page.object_list:
        c.alert_badges = found.get(c.pk, [])  # type: ignore[attr-defined]
    return render(
        request, "clients/list.html", {"page": page, "q": q, "show_archived": show_archived}
    )


SUGGESTIONS = 8


@require_POST
@member_required("client.view")
def client_suggest(request: MemberRequest) -> JsonResponse:
    """The top bar's type-ahead: the first clients whose names, e-mail or phone match.

    POST, so that what is typed (part of a name) never sits in an address or its logs."""
    q = request.POST.get("q", "").strip()[:100]
    if len(q) < 2:
        return JsonResponse({"clients": []})
    found = selectors.clients_for(StaffActor.from_request(request), search=q).order_by(
        "last_name", "first_name"
    )[:SUGGESTIONS]
    return JsonResponse(
        {
            "clients": [
                {
                    "name": c.full_name,
                    "detail": f"born {c.date_of_birth:%-d %b %Y}" if c.date_of_birth else "",
                    "url": reverse("web:client_detail", args=[c.pk]),
                }
                for c in found
            ]
        }
    )


@member_required("client.edit")
def client_create(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    clinical = actor.can("clinical.edit")
    form = ClientForm(request.POST or None, clinical=clinical)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.create_client(actor=actor, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{client.full_name} was added.")
            return redirect("web:client_detail", client_id=client.pk)
    return render(request, "clients/form.html", {"form": form, "client": None})


@member_required("client.view")
def client_detail(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    client = selectors.client_for(actor, client_id)
    signatures = list(
        client.consent_signatures.select_related("text", "withdrawal").order_by("-signed_at")[:5]
    )
    return render(
        request,
        "clients/detail.html",
        {
            "client": client,
            "consent_state": consent.consent_state(client),
            "consent_current": consent.current_signature(client),
            "consent_signatures": signatures,
            "can_edit_client": actor.can("client.edit"),
            "can_erase": actor.can("client.erase"),
        },
    )


@member_required("client.edit")
def client_edit(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    client = selectors.client_for(actor, client_id, audited=request.method != "POST")
    clinical = actor.can("clinical.edit")
    form = ClientForm(request.POST or None, instance=client, clinical=clinical)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.update_client(actor=actor, client=client, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect("web:client_detail", client_id=client.pk)
    return render(request, "clients/form.html", {"form": form, "client": client})
