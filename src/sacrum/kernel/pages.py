"""Page guards: signed in, acting in a clinic, and (optionally) allowed an action."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from sacrum.kernel.errors import Forbidden


def member_required(
    action: str | None = None,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            member = getattr(request, "member", None)
            if member is None:
                return render(request, "web/no_clinic.html", status=403)
            if action and not member.can(action):
                raise PermissionDenied("Your role in this clinic does not allow this page.")
            try:
                return view(request, *args, **kwargs)
            except Forbidden as exc:  # a service's role check: 403, as for the guard
                raise PermissionDenied(str(exc)) from exc

        return guarded

    return decorate
