"""Request-wide access context: the active clinic, and the clinic's 2FA requirement."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from sacrum.clinics.models import Membership

SESSION_CLINIC_KEY = "sacrum_clinic"


PORTAL_API_PREFIX = "/api/v1/portal/"


class ActiveClinicMiddleware:
    """Sets ``request.member`` (the membership in the chosen clinic) and ``request.memberships``.

    One query: all of the user's active memberships with their clinics. A signed-in user
    with no membership who is a client with portal access (a second query, only for
    users without a membership) is a *portal client*: ``request.portal_client`` is set,
    the staff API answers 403, and the staff home page sends them to their own page.
    Staff are never affected: anyone with a membership is treated exactly as before.
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
            if not memberships:
                refused = self._portal_client(request)
                if refused is not None:
                    return refused
        return self.get_response(request)

    @staticmethod
    def _portal_client(request: HttpRequest) -> HttpResponse | None:
        from sacrum.portal.selectors import has_portal_access

        request.portal_client = has_portal_access(request.user)  # type: ignore[attr-defined,arg-type]
        if not request.portal_client:  # type: ignore[attr-defined]
            return None
        if request.path.startswith("/api/") and not request.path.startswith(PORTAL_API_PREFIX):
            return JsonResponse(
                {
                    "error": {
                        "code": "forbidden",
                        "message": "This API is for clinic staff.",
                        "fields": {},
                    }
                },
                status=403,
            )
        if request.path == reverse("web:dashboard"):
            return redirect("web:portal_home")
        return None


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
