"""Responses that no cache may keep: every page and API answer Sacrum renders."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """Adds ``Cache-Control: no-store, private`` to every response that reaches Django.

    One rule instead of a decorator per view: a client's record, a PDF, a capability-link
    page or an error page must not stay in a browser's disk cache or a proxy, and a view
    written tomorrow is covered without anyone remembering to decorate it. Static files
    are served by WhiteNoise before this middleware runs and keep their own caching; no
    Django-rendered page is worth caching more than it is worth keeping private.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
