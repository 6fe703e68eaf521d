"""Request-wide access context: the active clinic, and the clinic's 2FA requirement."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from sacrum.clinics.models import Membership

SESSION_CLINIC_KEY = "sacrum_clinic"


class ActiveClinicMiddleware:
    """Sets ``request.member`` (the membership in the chosen clinic) and ``request.memberships``.

    One query: all of the user's active memberships with their clinics.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.member = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            memberships = list(
                Membership.objects.filter(user=request.user, active=True)
                .select_related("clinic")
                .order_by("clinic__name")
            )
            request.memberships = memberships  # type: ignore[attr-defined]
            wanted = request.session.get(SESSION_CLINIC_KEY)
            chosen = next((m for m in memberships if str(m.clinic_id) == wanted), None)
            if chosen is None and memberships:
                chosen = memberships[0]
                request.session[SESSION_CLINIC_KEY] = str(chosen.clinic_id)
            if chosen is not None:
                chosen.user = request.user  # type: ignore[assignment]
            request.member = chosen  # type: ignore[attr-defined]
        return self.get_response(request)


EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/favicon")


def user_has_mfa(user: object) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireStaffMFAMiddleware:
    """When a clinic requires two-factor sign-in, staff without TOTP are sent to set it up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        member = getattr(request, "member", None)
        if (
            member is not None
            and member.clinic.require_staff_mfa
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not request.META.get("HTTP_AUTHORIZATION")
            and not user_has_mfa(request.user)
        ):
            message = f"{member.clinic.name} requires two-factor sign-in. Set it up to continue."
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"error": {"code": "mfa_required", "message": message, "fields": {}}},
                    status=403,
                )
            from django.contrib import messages

            messages.warning(request, message)
            return redirect("mfa_activate_totp")
        return self.get_response(request)
