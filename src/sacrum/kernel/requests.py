"""The request a member page sees: signed in, acting in one clinic."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

from django.http import HttpRequest

if TYPE_CHECKING:
    from sacrum.access.models import User
    from sacrum.clinics.models import Membership


class MemberRequest(HttpRequest):
    """What ``member_required`` guarantees (never instantiated: a type for annotations).

    ``ActiveClinicMiddleware`` sets ``member`` and ``memberships`` on every request, the
    API's token auth sets ``member`` and ``user``; behind the guard the member is there.
    """

    user: User
    member: Membership
    memberships: list[Membership]


def is_member_request(request: HttpRequest) -> TypeGuard[MemberRequest]:
    """Whether the request acts in a clinic (the middleware or a token set its member)."""
    return getattr(request, "member", None) is not None
