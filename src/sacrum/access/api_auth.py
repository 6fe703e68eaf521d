"""How an API request proves who it is: a personal token, or the browser session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from sacrum.access.middleware import bearer_token_member

if TYPE_CHECKING:
    from sacrum.clinics.models import Membership


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sac_…``: a personal token bound to one clinic and role."""

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        # The 2FA middleware has usually looked this token up already (same header).
        member = bearer_token_member(request)
        if member is not None:
            request.member = member  # type: ignore[attr-defined]
            request.user = member.user
            request.api_via = "token"  # type: ignore[attr-defined]
        return member


class MemberSessionAuth(SessionAuth):
    """The browser session (with CSRF on writes), acting in the clinic chosen in the UI."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        if request.user.is_authenticated:
            return getattr(request, "member", None)
        return None
