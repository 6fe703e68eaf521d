"""The clinic's 2FA requirement, for pages and for API tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from sacrum.access.tokens import authenticate_token

if TYPE_CHECKING:
    from sacrum.clinics.models import Membership

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/favicon")
API_PREFIX = "/api/"
TOKEN_MEMBER_ATTR = "_sacrum_token_member"


def user_has_mfa(user: object) -> bool:
    from allauth.mfa.models import Authenticator

    found: bool = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return found


def bearer_token_member(request: HttpRequest) -> Membership | None:
    """The membership of a valid ``Authorization: Bearer`` API token on this request, or None.

    Read the way the API's ``TokenAuth`` reads it, and remembered on the request so the
    API does not look the token up a second time. An unknown, revoked or malformed token
    is None: the API then falls back to the session, and so does the 2FA rule.
    """
    if hasattr(request, TOKEN_MEMBER_ATTR):
        return getattr(request, TOKEN_MEMBER_ATTR)  # type: ignore[no-any-return]
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
