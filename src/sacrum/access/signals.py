"""Sign-in events go to the audit log (the account only, never the password tried)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.kernel.actor import Actor


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None:
        return
    base = Actor.from_request(request)
    audit.record(
        Actor(user=user, member=None, ip=base.ip, user_agent=base.user_agent),
        AuditAction.LOGIN,
        user,
    )


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or user is None:
        return
    base = Actor.from_request(request)
    audit.record(
        Actor(user=user, member=None, ip=base.ip, user_agent=base.user_agent),
        AuditAction.LOGOUT,
        user,
    )


@receiver(user_login_failed)
def audit_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is None:
        return
    email = str(credentials.get("email") or credentials.get("username") or "").lower()
    user = get_user_model().objects.filter(email=email).first() if email else None
    base = Actor.from_request(request)
    audit.record(
        Actor(user=user, member=None, ip=base.ip, user_agent=base.user_agent),
        AuditAction.FAILED_LOGIN,
        user,
        object_type="user",
    )
