"""Who is acting, from where: passed to every service so it can check and audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest

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
            user=user if user is not None and user.is_authenticated else None,  # type: ignore[arg-type]
            member=getattr(request, "member", None),
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            via=via,
        )

    @classmethod
    def system(cls, member: Membership | None = None, via: str = "cli") -> Actor:
        return cls(user=member.user if member else None, member=member, via=via)

    @property
    def clinic(self) -> Clinic | None:
        return self.member.clinic if self.member else None

    def can(self, action: str) -> bool:
        return bool(self.member and self.member.can(action))
