"""In a real browser: the practitioner creates a plan for a client, sees the proposed
series (with a time that is not free), confirms it, and looks at the plan.

Screenshots go to ``SACRUM_SCREENSHOT_DIR``.
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

from sacrum.clients.models import Client
from sacrum.outcomes import services as outcome_services
from sacrum.plans.models import Plan
from sacrum.scheduling.models import Appointment, ServiceType
from tests.access.objects import Stillwater
from tests.browser.conftest import Shots
from tests.conftest import PASSWORD
from tests.outcomes.test_browser import in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    folder = Path(
        os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder, request.node.name)


def test_a_practitioner_creates_a_plan_and_books_its_series(
    live_server: Any, owner: Any, practitioner: Any, front_desk: Any, shot: Shots
) -> None:
    w = Stillwater(owner, practitioner, front_desk)
    client = w.object("client_id")
    w.object("hours_id")
    service = w.object("service_id")
    assert isinstance(client, Client) and isinstance(service, ServiceType)
    type(client).objects.filter(pk=client.pk).update(conditions=["neck_pain"])
    outcome_services.ensure_definitions(owner.clinic)
    today = timezone.localdate()
    monday = today + dt.timedelta(days=(7 - today.weekday()) % 7 + 7)

    def script(tab: Any) -> None:
        tab.goto(f"/accounts/login/?next=/clients/{client.pk}/plans/new")
        tab.fill("#id_login", practitioner.user.email)
        tab.fill("#id_password", PASSWORD)
        tab.locator("form[action^='/accounts/login/'] button[type=submit]").click()
        expect(tab.locator("h1")).to_contain_text("New treatment plan")
        expect(tab.get_by_label("Neck pain")).to_be_checked()  # from the client record
        expect(tab.get_by_label("Neck Disability Index")).to_be_checked()  # proposed
        tab.get_by_label("Goal 1, in the client's words").fill("Look over my shoulder when cycling")
        tab.locator("#id_goal1_measure").select_option("ndi")
        tab.locator("#id_phase3_count").fill("2")
        shot(tab, "plan-form")
        tab.get_by_role("button", name="Save and propose the sessions").click()
        expect(tab.locator("h1")).to_contain_text("Propose the sessions")
        tab.locator("#id_first_date").fill(monday.isoformat())
        tab.locator("#id_local_time").fill("14:00")
        tab.get_by_role("button", name="Propose").click()
        expect(tab.locator("table.list tbody tr")).to_have_count(11)
        shot(tab, "series-proposal")
        tab.get_by_role("button", name="Confirm and book the chosen times").click()
        expect(tab.locator(".messages")).to_contain_text("11 appointments booked")
        expect(tab.get_by_text("Look over my shoulder when cycling")).to_be_visible()
        shot(tab, "plan-detail")

    in_browser(live_server.url, script)
    plan = Plan.objects.get()
    assert plan.series_id is not None and plan.goals.get().instrument_key == "ndi"
    assert Appointment.objects.filter(series_id=plan.series_id, service=service).count() == 11
