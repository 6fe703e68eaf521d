"""Page guards: signed in, acting in a clinic, and (optionally) allowed an action."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def member_required(
    action: str | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            member = getattr(request, "member", None)
            if member is None:
                return render(request, "web/no_clinic.html", status=403)
            if action and not member.can(action):
                raise PermissionDenied("Your role in this clinic does not allow this page.")
            return view(request, *args, **kwargs)

        return guarded

    return decorate
