"""The calendar by keyboard: the grid is one tab stop with arrow keys inside, its scroll area
is a labelled region, the Day/Week switch shows its whole focus ring, and the focus ring
stands out at 3:1 on the teal bar and on the page (WCAG 2.1 SC 1.4.11).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.clinics.models import Location
from sacrum.scheduling.models import Appointment
from tests.browser.conftest import Shots
from tests.charting.test_browser import in_browser, shot, sign_in
from tests.conftest import Persona

__all__ = ["shot"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
  const el = document.activeElement;
  return {cls: el.getAttribute("class") || "", label: el.getAttribute("aria-label") || el.textContent.trim()};
}"""

# The focus ring's colour and the colour drawn around it (the nearest opaque background).
RING = """() => {
  const el = document.activeElement;
  let around = el.parentElement;
  while (around && getComputedStyle(around).backgroundColor.endsWith(", 0)")) around = around.parentElement;
  return [getComputedStyle(el).outlineColor, getComputedStyle(around || document.body).backgroundColor];
}"""


def luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_calendar_grid_is_one_tab_stop_with_arrow_keys(
    live_server: Any,
    shot: Shots,
    front_desk: Persona,
    practitioner: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    location: Location,
) -> None:
    booked("10:00")
    week = f"/calendar/?date={monday}&view=week&location={location.pk}&who={practitioner.member.pk}"
    seen: dict[str, Any] = {}

    def script(page: Any) -> None:
        sign_in(page, front_desk.user.email, "/")
        page.goto(week)
        region = page.get_by_role("region", name="Calendar")
        expect(region).to_be_visible()
        seen["stops"] = page.evaluate(
            "[...document.querySelectorAll('.cal-grid a')].filter(a => a.tabIndex >= 0).length"
        )
        seen["links"] = page.locator(".cal-grid a").count()
        page.locator(".cal-head a").last.focus()  # the day headings come first
        page.keyboard.press("Tab")
        seen["first"] = page.evaluate(FOCUSED)
        page.keyboard.press("ArrowDown")
        seen["down"] = page.evaluate(FOCUSED)
        page.keyboard.press("ArrowRight")
        seen["right"] = page.evaluate(FOCUSED)
        shot(page, "grid-focus")
        page.keyboard.press("Tab")
        seen["after"] = page.evaluate("!!document.activeElement.closest('.cal-grid')")

        # The Day/Week switch: its ring is drawn whole (nothing clips it).
        page.get_by_role("group", name="Day or week").get_by_role("link", name="Day").focus()
        seen["clip"] = page.evaluate(
            "getComputedStyle(document.activeElement.parentElement).overflow"
        )
        seen["ring-page"] = page.evaluate(RING)
        shot(page, "day-switch-focus")
        page.locator(".topbar a").first.focus()
        seen["ring-bar"] = page.evaluate(RING)
        shot(page, "topbar-focus")

    in_browser(live_server.url, script)
    assert seen["links"] > 20 and seen["stops"] == 1
    assert "cal-free" in seen["first"]["cls"] and "Monday" in seen["first"]["label"]
    assert seen["down"]["label"] != seen["first"]["label"] and "Monday" in seen["down"]["label"]
    assert "Tuesday" in seen["right"]["label"]
    assert seen["after"] is False  # one Tab leaves the grid
    assert seen["clip"] == "visible"
    for ring, around in (seen["ring-page"], seen["ring-bar"]):
        assert contrast(ring, around) >= 3, (ring, around)
