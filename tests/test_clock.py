"""The test clock (tests/clock.py): every test, the live server and the browser share it."""

from __future__ import annotations

import datetime as dt
import email.utils
import time
import urllib.request
from typing import Any

import pytest
from django.utils import timezone

from tests.clock import PRESETS, instants, parse


@pytest.fixture
def start(clock_start: dt.datetime | None) -> dt.datetime:
    if clock_start is None:
        pytest.skip("--clock=real: no fixed instant to compare with")
    return clock_start


def test_every_test_starts_at_the_chosen_instant_and_time_runs_on(start: dt.datetime) -> None:
    assert start <= timezone.now() < start + dt.timedelta(minutes=1)
    assert dt.date.today() == start.date()  # the process runs in UTC
    before = time.time()
    time.sleep(0.05)
    assert time.time() > before  # ticking, not frozen: timeouts and hypothesis still work


def test_the_clock_fixture_moves_time(clock: Any, start: dt.datetime) -> None:
    clock.shift(dt.timedelta(days=3))
    assert timezone.now() - start >= dt.timedelta(days=3)


def test_presets_are_the_wall_clock_times_they_name() -> None:
    london, new_york = "Europe/London", "America/New_York"
    assert PRESETS["dst-spring-london"].instant() == dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC)
    assert PRESETS["dst-fall-new-york"].instant() == dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)
    sunday = PRESETS["sunday-late-new-york"].instant()
    assert sunday.weekday() == 0  # Monday in UTC, Sunday 23:50 in New York
    assert parse("2028-02-29T10:00:00Z") == PRESETS["leap-day"].instant()
    assert parse(f"2027-01-10T23:50@{london}") == PRESETS["sunday-late-london"].instant()
    assert parse(f"2026-12-31T23:30@{new_york}") == PRESETS["year-end-new-york"].instant()
    assert parse("real") is None
    assert list(instants("awkward")) == [name for name in PRESETS if name != "calm"]
    with pytest.raises(pytest.UsageError):
        parse("2028-02-29T10:00")  # no offset: ambiguous
    with pytest.raises(pytest.UsageError):
        parse("next tuesday")


@pytest.mark.django_db(transaction=True)
def test_the_live_server_runs_on_the_same_clock(live_server: Any, start: dt.datetime) -> None:
    with urllib.request.urlopen(f"{live_server.url}/healthz") as response:
        served = email.utils.parsedate_to_datetime(response.headers["Date"])
    assert start - dt.timedelta(seconds=1) <= served < start + dt.timedelta(minutes=1)
