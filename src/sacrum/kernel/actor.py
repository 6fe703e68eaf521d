"""Who is acting, from where: passed to every service so it can check and audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

from django.http import HttpRequest

from sacrum.kernel.errors import Forbidden
from sacrum.kernel.requests import is_member_request

if TYPE_CHECKING:
    from sacrum.access.models import User
    from sacrum.clinics.models import Clinic, Membership


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address; behind a proxy, the one axes/ipware resolved for us."""
    ip = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    return ip or None


@dataclass(frozen=True)
class Actor:
    """A user acting inside one clinic (``member``), with the request's origin for audit."""

    user: User | None
    member: Membership | None
    ip: str | None = None
    user_agent: str = ""
    via: str = "web"

    @classmethod
    def from_request(cls, request: HttpRequest, via: str = "web") -> Actor:
        user = getattr(request, "user", None)
        return cls(
            user=user if user is not None and user.is_authenticated else None,
            member=getattr(request, "member", None),
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            via=via,
        )

    @overload
    @staticmethod
    def system(member: Membership, via: str = "cli") -> StaffActor: ...

    @overload
    @staticmethod
    def system(member: None = None, via: str = "cli") -> Actor: ...

    @staticmethod
    def system(member: Membership | None = None, via: str = "cli") -> Actor:
        """An actor for work no request started (commands, workers, demos)."""
        if member is not None:
            return StaffActor(user=member.user, member=member, via=via)
        return Actor(user=None, member=None, via=via)

    @property
    def clinic(self) -> Clinic | None:
        return self.member.clinic if self.member else None

    def can(self, action: str) -> bool:
        return bool(self.member and self.member.can(action))


@dataclass(frozen=True)
class StaffActor(Actor):
    """A clinic member acting: ``member`` and ``user`` are always there.

    What services and selectors that scope to a clinic take; made at the boundary (a
    member page, the staff API, ``Actor.system(member)``), so their bodies need no checks.
    """

    user: User
    member: Membership

    @classmethod
    def from_request(cls, request: HttpRequest, via: str = "web") -> StaffActor:
        """The member behind a request; ``Forbidden`` when it acts in no clinic."""
        if not is_member_request(request):
            raise Forbidden("You are not acting in a clinic.")
        return cls(
            user=request.user,
            member=request.member,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            via=via,
        )

    @property
    def clinic(self) -> Clinic:
        return self.member.clinic
