"""Pages: the clinic's audit log (owners) and each member's own API tokens."""

from __future__ import annotations

import uuid
import zoneinfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sacrum.access import tokens
from sacrum.access.forms import AuditFilterForm, TokenForm
from sacrum.access.selectors import audit_entries_for
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest

AUDIT_PAGE_SIZE = 50


@member_required("audit.view")
def audit_log(request: MemberRequest) -> HttpResponse:
    """Filters apply only when they are valid; a bad one is named by its field."""
    actor = StaffActor.from_request(request)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    clinic_zone = zoneinfo.ZoneInfo(request.member.clinic.time_zone)
    # Dates in the filter and times in the table are the clinic's, not the server's.
    with timezone.override(clinic_zone):
        entries = audit_entries_for(
            actor,
            action=filters.get("action") or "",
            object_type=filters.get("object_type") or "",
            since=filters.get("since"),
            until=filters.get("until"),
        )
        page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "access/audit_log.html", {"form": form, "page": page})


@member_required("token.manage")
def token_list(request: MemberRequest) -> HttpResponse:
    member = request.member
    return render(
        request,
        "access/token_list.html",
        {"form": TokenForm(), "tokens": tokens.tokens_of(member)},
    )


@never_cache
@require_POST
@member_required("token.manage")
def token_create(request: MemberRequest) -> HttpResponse:
    """The raw token is in this one response only: never stored, never in a URL."""
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, raw = tokens.create_token(
                actor=StaffActor.from_request(request), name=form.cleaned_data["name"]
            )
        except ValueError as exc:
            form.add_error("name", str(exc))
        else:
            return render(request, "access/token_created.html", {"token": token, "raw": raw})
    member = request.member
    return render(
        request, "access/token_list.html", {"form": form, "tokens": tokens.tokens_of(member)}
    )


@require_POST
@member_required("token.manage")
def token_revoke(request: MemberRequest, token_id: uuid.UUID) -> HttpResponse:
    member = request.member
    token = tokens.token_of(member, token_id)
    tokens.revoke_token(actor=StaffActor.from_request(request), token=token)
    messages.success(request, f"The token “{token.name}” was revoked.")
    return redirect("web:token_list")
