"""In Chromium on a phone-sized screen: the client signs in, sees their visits and a
curve, and adds a diary day. Screenshots go to ``SACRUM_SCREENSHOT_DIR``."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sacrum.outcomes.models import DiaryEntry
from sacrum.portal.models import PortalAccount
from sacrum.scheduling.models import SchedulingPolicy
from tests.browser.conftest import Shots
from tests.conftest import PASSWORD
from tests.outcomes.test_browser import PHONE, in_browser
from tests.portal.conftest import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    folder = Path(
        os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder, request.node.name)


def test_client_signs_in_sees_visits_and_a_curve_and_adds_a_diary_day(
    live_server: Any, shot: Shots, ada: Person, ada_account: PortalAccount
) -> None:
    email = ada.client.email

    def script(page: Any) -> None:
        page.set_viewport_size(PHONE)
        page.goto("/accounts/login/")
        page.fill("#id_login", email)
        page.fill("#id_password", PASSWORD)
        page.locator("form[action='/accounts/login/'] button[type=submit]").click()
        expect(page.locator("h1")).to_contain_text("Hello Ada")
        expect(page.locator("ul.visits").first).to_contain_text("Craniosacral session")
        # Phone-first: no sideways scrolling. Measured once the stylesheet has loaded: the
        # DOM (and so the heading) can be there before the CSS that lays it out.
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        shot(page, "phone-home")

        page.get_by_role("link", name="Progress").click()
        curve = page.locator("section.measure").first
        expect(curve.locator("svg polyline.trace")).to_be_visible()
        expect(curve).to_contain_text("minimal important change")
        shot(page, "phone-progress")
        curve.scroll_into_view_if_needed()
        shot(page, "phone-curve")
        # Every label of the curve renders at 11 px or more on the phone (the SVG scales).
        sizes = curve.locator("svg text").evaluate_all(
            """texts => texts.map(t => {
                const svg = t.ownerSVGElement;
                const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                return parseFloat(getComputedStyle(t).fontSize) * scale;
            })"""
        )
        assert sizes and min(sizes) >= 11, sizes

        page.get_by_role("link", name="Add a diary day").click()
        expect(page.locator("h1")).to_contain_text("Headache diary")
        page.locator("fieldset.question").nth(0).get_by_text("Yes", exact=True).click()
        page.locator("fieldset.question").nth(1).get_by_text("5", exact=True).click()
        page.locator("fieldset.question").nth(2).get_by_text("No", exact=True).click()
        shot(page, "phone-diary")
        page.get_by_role("button", name="Save the day").click()
        expect(page.locator(".message.success")).to_contain_text("Saved")
        shot(page, "phone-saved")

        page.get_by_role("link", name="Records").click()
        expect(page.get_by_role("link", name="PDF (to read or print)")).to_be_visible()
        shot(page, "phone-records")

    in_browser(live_server.url, script)
    entry = DiaryEntry.objects.get(client=ada.client, date=timezone.localdate())
    assert (entry.headache, entry.peak, entry.medication) == (True, 5, False)


def test_client_moves_a_visit_from_the_portal_on_a_phone(
    live_server: Any, shot: Shots, ada: Person, ada_account: PortalAccount
) -> None:
    policy = SchedulingPolicy.for_clinic(ada.client.clinic_id)
    policy.online_booking_enabled = True
    policy.cancellation_window_hours = 24
    policy.save()
    email = ada.client.email

    def script(page: Any) -> None:
        page.set_viewport_size(PHONE)
        page.goto("/accounts/login/?next=/portal/appointments")
        page.fill("#id_login", email)
        page.fill("#id_password", PASSWORD)
        page.locator("form[action^='/accounts/login/'] button[type=submit]").click()
        expect(page.get_by_role("link", name="Book again").first).to_be_visible()
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "phone-visits")
        page.get_by_role("button", name="Move or cancel").click()
        expect(page).to_have_url(re.compile("/book/manage/"))
        expect(page.locator("main")).to_contain_text("Craniosacral session")
        shot(page, "phone-manage")

    in_browser(live_server.url, script)
