"""Page guards: signed in, acting in a clinic, and (optionally) allowed an action."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from sacrum.kernel.errors import Forbidden
from sacrum.kernel.requests import MemberRequest, is_member_request

P = ParamSpec("P")

MemberView = Callable[Concatenate[MemberRequest, P], HttpResponseBase]
GuardedView = Callable[Concatenate[HttpRequest, P], HttpResponseBase]


def member_required(
    action: str | None = None,
) -> Callable[[MemberView[P]], GuardedView[P]]:
    """Guard a view that acts in a clinic; it sees a ``MemberRequest``."""

    def decorate(view: MemberView[P]) -> GuardedView[P]:
        @wraps(view)
        def guarded(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_member_request(request):
                return render(request, "web/no_clinic.html", status=403)
            if action and not request.member.can(action):
                raise PermissionDenied("Your role in this clinic does not allow this page.")
            try:
                return view(request, *args, **kwargs)
            except Forbidden as exc:  # a service's role check: 403, as for the guard
                raise PermissionDenied(str(exc)) from exc

        return guarded

    return decorate
