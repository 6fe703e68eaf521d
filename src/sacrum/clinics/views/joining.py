"""Accepting an invitation: the link in the e-mail leads here, signed in or not."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from sacrum.access.models import User
from sacrum.clinics import services
from sacrum.clinics.forms import JoinForm
from sacrum.clinics.middleware import SESSION_CLINIC_KEY
from sacrum.clinics.models import Invitation, Membership
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Forbidden
from sacrum.kernel.forms import add_service_errors


def _joined(request: HttpRequest, member: Membership) -> HttpResponse:
    request.session[SESSION_CLINIC_KEY] = str(member.clinic_id)
    messages.success(
        request, f"Welcome to {member.clinic.name}. You joined as {member.get_role_display()}."
    )
    return redirect("web:dashboard")


# The invitation whose link this browser opened, while its holder signs in: the sign-in
# page's "next" is then a fixed address, so the token never reaches the session store.
PENDING_INVITATION_KEY = "sacrum_pending_invitation"


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Open to whoever holds the link; an unknown, used, revoked or expired one is a 404."""
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "clinics/invitation_invalid.html", status=404)
    return _invitation_page(request, invitation)


@never_cache
def invitation_resume(request: HttpRequest) -> HttpResponse:
    """After signing in: the invitation this browser opened by its link, if still open."""
    invitation = services.open_invitation(request.session.get(PENDING_INVITATION_KEY))
    if invitation is None or not request.user.is_authenticated:
        return render(request, "clinics/invitation_invalid.html", status=404)
    return _invitation_page(request, invitation)


def _invitation_page(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    context: dict[str, object] = {"invitation": invitation}
    actor = Actor.from_request(request)

    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email:
            return render(
                request, "clinics/invitation_accept.html", {**context, "wrong_account": True}
            )
        if request.method == "POST":
            try:
                member = services.accept_invitation(
                    invitation=invitation,
                    user=request.user,
                    actor=actor,
                )
            except Forbidden as exc:
                messages.error(request, str(exc))
                return redirect("web:dashboard")
            request.session.pop(PENDING_INVITATION_KEY, None)
            return _joined(request, member)
        return render(request, "clinics/invitation_accept.html", context)

    if User.objects.filter(email__iexact=invitation.email).exists():
        request.session[PENDING_INVITATION_KEY] = str(invitation.pk)
        next_url = reverse("web:invitation_resume")
        login_url = reverse("account_login") + "?" + urlencode({"next": next_url})
        return render(
            request, "clinics/invitation_accept.html", {**context, "login_url": login_url}
        )

    form = JoinForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.join_with_new_account(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                actor=actor,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Forbidden as exc:
            form.add_error(None, str(exc))
        else:
            login(request, member.user, backend="django.contrib.auth.backends.ModelBackend")
            return _joined(request, member)
    return render(request, "clinics/invitation_accept.html", {**context, "form": form})
