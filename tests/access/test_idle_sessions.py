"""A session in use stays signed in; one left idle for 30 minutes ends; and keeping it
alive costs a database write at most once a minute, not on every page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from tests.conftest import Persona


def _session_writes(http: HttpClient, path: str) -> int:
    with CaptureQueriesContext(connection) as seen:
        assert http.get(path).status_code == 200
    return sum(
        1
        for q in seen.captured_queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )


def test_a_session_used_every_ten_minutes_stays_and_ends_thirty_idle_minutes_later(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient], clock: Any
) -> None:
    http = browser_as(practitioner)
    for _ in range(6):  # an hour of work, a page every ten minutes
        clock.shift(dt.timedelta(minutes=10))
        assert http.get("/clients/").status_code == 200
    clock.shift(dt.timedelta(minutes=29))
    assert http.get("/clients/").status_code == 200  # 29 idle minutes: still signed in
    clock.shift(dt.timedelta(minutes=31))
    left = http.get("/clients/")
    assert left.status_code == 302
    assert left["Location"].startswith("/accounts/login/")


def test_the_session_is_written_at_most_once_a_minute(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient], clock: Any
) -> None:
    http = browser_as(practitioner)
    _session_writes(http, "/clients/")  # the first page remembers the clinic: a write, once
    assert _session_writes(http, "/clients/") == 0  # signed in seconds ago: nothing to write
    clock.shift(dt.timedelta(minutes=2))
    assert _session_writes(http, "/clients/") == 1  # the idle window moves on
    assert _session_writes(http, "/clients/") == 0  # seconds later: nothing to write
    assert _session_writes(http, "/") == 0
    clock.shift(dt.timedelta(seconds=61))
    assert _session_writes(http, "/clients/") == 1
