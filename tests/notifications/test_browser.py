"""In Chromium: the Schedule card, a practitioner's calendar feed, the owner's reminder page.

Screenshots go to ``SACRUM_SCREENSHOT_DIR``. A console error (a CSP violation, a script
error) fails the test.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sacrum.scheduling.local_time import to_utc, zone
from sacrum.web import dashboard as web_dashboard
from tests.browser.conftest import Shots
from tests.outcomes.test_browser import in_browser, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    folder = Path(
        os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder, request.node.name)


@pytest.fixture(autouse=True)
def _only_card_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    """See test_dashboard_card.py: skip ``sacrum.web.dashboard`` itself as a card provider."""
    found = web_dashboard._providers()
    monkeypatch.setattr(
        web_dashboard, "_providers", lambda: [m for m in found if hasattr(m, "card")]
    )


def test_feed_and_reminders_in_a_browser(
    live_server: Any, practitioner: Any, owner: Any, appointment_at: Any, shot: Shots
) -> None:
    tz = zone("Europe/London")
    today = timezone.now().astimezone(tz).date()
    for hhmm in ("09:00", "11:00", "14:30"):
        appointment_at(to_utc(today, dt.time.fromisoformat(hhmm), tz))

    def practitioner_script(tab: Any) -> None:
        sign_in(tab, practitioner.user.email)
        expect(tab.locator("#h-schedule")).to_contain_text("Your schedule today")
        expect(tab.locator("section[aria-labelledby=h-schedule] tbody tr")).to_have_count(3)
        shot(tab, "dashboard-schedule-card")
        tab.goto("/account/calendar-feed/")
        tab.get_by_role("button", name="Create my calendar feed").click()
        expect(tab.locator("#feed-url")).to_contain_text("/calendar-feeds/")
        shot(tab, "feed-created")
        url = tab.locator("#feed-url").inner_text()
        path = "/" + url.split("://", 1)[1].split("/", 1)[1]
        body = tab.request.get(live_server.url + path).text()
        assert "BEGIN:VCALENDAR" in body and "A.L." in body and "Lovelace" not in body

    in_browser(live_server.url, practitioner_script)

    def owner_script(tab: Any) -> None:
        sign_in(tab, owner.user.email)
        tab.goto("/clinic/reminders")
        tab.fill("#id_offsets", "48h, 2h, 30m")
        tab.get_by_role("button", name="Save reminder settings").click()
        expect(tab.locator("body")).to_contain_text("Reminder settings saved.")
        expect(tab.locator("#id_offsets")).to_have_value("48h, 2h, 30m")
        shot(tab, "reminder-settings")

    in_browser(live_server.url, owner_script)
