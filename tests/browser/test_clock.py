"""The browser's clock is the tests' clock (tests/clock.py), not the machine's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_page_scripts_see_the_tests_clock(page: Any, clock_start: dt.datetime | None) -> None:
    if clock_start is None:
        pytest.skip("--clock=real: no fixed instant to compare with")
    page.goto("/accounts/login/")
    shown = dt.datetime.fromtimestamp(page.evaluate("Date.now()") / 1000, dt.UTC)
    assert clock_start <= shown < clock_start + dt.timedelta(minutes=2)
