"""Idle expiry of signed-in sessions without a database write on every request.

A session ends ``SESSION_COOKIE_AGE`` (30 minutes) after it was last used. Django keeps
that sliding window with ``SESSION_SAVE_EVERY_REQUEST``, which writes and commits the
session row on every page: an fsync each time, and on SQLite the database's one write lock
taken by every page view, so pages queued behind each other under load. Here the session is
written again only once at least ``REFRESH_SECONDS`` have passed since its last write; the
idle limit is then kept to within that minute (a session used at 10:00:30 and not since ends
between 10:29:30 and 10:30:30), which is well inside what an unattended tablet needs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

REFRESH_SECONDS = 60
TOUCHED_KEY = "_sacrum_touched"


class IdleExpiryMiddleware:
    """Put after ``SessionMiddleware``: marks a used session for saving at most once a minute."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response  # nobody signed in (or signed out by this request)
        now = int(timezone.now().timestamp())
        if now - int(session.get(TOUCHED_KEY, 0)) >= REFRESH_SECONDS:
            session[TOUCHED_KEY] = now  # modified: SessionMiddleware saves it with a new expiry
        return response
