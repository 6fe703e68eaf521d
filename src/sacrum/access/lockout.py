"""Which account a sign-in attempt is for, so django-axes counts failures per account.

allauth authenticates with ``email=…`` (not the form's ``login`` field), so axes' default
lookup found no name and never locked anyone. The e-mail is normalised: ``Pat@X`` and
``pat@x`` are one account and share one failure count.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def attempted_account(
    request: HttpRequest | None, credentials: dict[str, Any] | None
) -> str | None:
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None:
        value = getattr(request, "POST", {}).get("login")
    account = str(value or "").strip().lower()
    return account or None
