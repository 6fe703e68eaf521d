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
API_PREFIX = "/api/"
TOKEN_MEMBER_ATTR = "_sacrum_token_member"


def user_has_mfa(user: object) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def bearer_token_member(request: HttpRequest) -> Membership | None:
    """The membership of a valid ``Authorization: Bearer`` API token on this request, or None.

    Read the way the API's ``TokenAuth`` reads it, and remembered on the request so the
    API does not look the token up a second time. An unknown, revoked or malformed token
    is None: the API then falls back to the session, and so does the 2FA rule.
    """
    if hasattr(request, TOKEN_MEMBER_ATTR):
        return getattr(request, TOKEN_MEMBER_ATTR)  # type: ignore[no-any-return]
    from sacrum.access.tokens import authenticate_token

    scheme, _, raw = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    member = authenticate_token(raw.strip()) if scheme.lower() == "bearer" and raw else None
    setattr(request, TOKEN_MEMBER_ATTR, member)
    return member


class RequireStaffMFAMiddleware:
    """When a clinic requires two-factor sign-in, staff without TOTP are refused.

    Decided by how the request really authenticated, never by a header's presence:
    - an API request with a valid personal token is the token's: it works only while the
      token's owner has TOTP (tokens are made in a session that passed this rule; this
      also stops tokens made before the clinic required 2FA, or whose owner removed it);
    - everything else is the session's: without TOTP, pages send the person to set it
      up and the API answers 403 ``mfa_required``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            token_member = bearer_token_member(request)
            if token_member is not None:
                if token_member.clinic.require_staff_mfa and not user_has_mfa(token_member.user):
                    return self._api_refusal(
                        f"{token_member.clinic.name} requires two-factor sign-in. The owner "
                        "of this token must set it up before the token works."
                    )
                return self.get_response(request)
        member = getattr(request, "member", None)
        if (
            member is not None
            and member.clinic.require_staff_mfa
            and not user_has_mfa(request.user)
        ):
            message = f"{member.clinic.name} requires two-factor sign-in. Set it up to continue."
            if request.path.startswith(API_PREFIX):
                return self._api_refusal(message)
            from django.contrib import messages

            messages.warning(request, message)
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _api_refusal(message: str) -> HttpResponse:
        return JsonResponse(
            {"error": {"code": "mfa_required", "message": message, "fields": {}}}, status=403
        )
