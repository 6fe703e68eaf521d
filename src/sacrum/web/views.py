"""Cross-cutting pages: today's dashboard, clinic switching, the account page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from sacrum.access.middleware import user_has_mfa
from sacrum.clients.models import Client
from sacrum.clinics.middleware import SESSION_CLINIC_KEY
from sacrum.clinics.models import Credential, Membership, VerificationState
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.web.dashboard import cards as dashboard_cards


@member_required()
def dashboard(request: MemberRequest) -> HttpResponse:
    member = request.member
    context: dict[str, object] = {"today": timezone.localdate()}
    if member.can("client.view"):
        clients = Client.objects.for_member(member, "view").filter(archived=False)
        context["client_count"] = clients.count()
        context["recent_clients"] = list(clients.order_by("-created_at")[:5])
    if member.can("credential.verify"):
        context["pending_credentials"] = (
            Credential.objects.for_member(member, "view")
            .filter(verification_state=VerificationState.UNVERIFIED)
            .count()
        )
        context["staff_count"] = Membership.objects.for_member(member).filter(active=True).count()
    context["has_mfa"] = user_has_mfa(request.user)
    context["cards"] = dashboard_cards(request)
    return render(request, "web/dashboard.html", context)


@require_POST
@login_required
def switch_clinic(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("clinic", "")
    if any(str(m.clinic_id) == wanted for m in request.memberships):  # type: ignore[attr-defined]
        request.session[SESSION_CLINIC_KEY] = wanted
    return redirect("web:dashboard")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "web/account.html", {"has_mfa": user_has_mfa(request.user)})
