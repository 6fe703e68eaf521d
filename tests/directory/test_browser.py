"""On a phone (390 by 844): search by town and condition, open a practitioner, book the next
free time. Screenshots go to ``SACRUM_SCREENSHOT_DIR`` (a temporary folder otherwise)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment
from tests.directory.conftest import World
from tests.scheduling.test_online_browser import on_phone, shots_folder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_open_a_practitioner_and_book_the_next_free_time(
    live_server: Any, world: World
) -> None:
    folder = shots_folder()
    chosen: dict[str, str] = {}

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(folder / f"directory-{name}.png"), full_page=True)

    def script(page: Any) -> None:
        page.goto("/directory/")
        expect(page.locator("h1")).to_have_text("Find a practitioner")
        page.fill("#id_place", "Bristol")
        page.select_option("#id_condition", label="Neck pain")
        shot(page, "01-search")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#results-title")).to_contain_text("within 25 km of Bristol")
        result = page.locator(".result").first
        expect(result).to_contain_text("Verified by the clinic")
        expect(result).to_contain_text("km")
        shot(page, "02-results")
        result.get_by_role("link", name="Pat Practitioner").click()
        expect(page.locator("h1")).to_have_text("Pat Practitioner")
        expect(page.get_by_text("People come to Pat Practitioner for")).to_be_visible()
        shot(page, "03-practitioner")
        book = page.locator(".service .button.book").first
        chosen["label"] = book.inner_text()
        book.click()
        expect(page.locator("h1")).to_have_text("Your details")
        page.fill("#id_first_name", "Mary")
        page.fill("#id_last_name", "Shelley")
        page.fill("#id_email", "mary@example.test")
        page.fill("#id_date_of_birth", "1990-08-30")
        page.fill("#id_phone", "0117 496 0123")
        shot(page, "04-details")
        page.get_by_role("button", name="Hold this time and e-mail me").click()
        expect(page.locator("h1")).to_have_text("Check your e-mail")

    on_phone(live_server.url, script)
    found = re.search(r"https?://\S+(/book/confirm/\S+/)", str(mail.outbox[-1].body))
    assert found is not None

    def confirm(page: Any) -> None:
        page.goto(found.group(1))
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("h1")).to_have_text("You are booked")
        shot(page, "05-booked")

    on_phone(live_server.url, confirm)
    appointment = Appointment.objects.get()
    assert appointment.practitioner == world.practitioner.member
    assert appointment.service == world.service
    # The time booked is the one the practitioner's page offered as the next free time.
    assert local(appointment.start, zone("Europe/London")).strftime("%H:%M") in chosen["label"]


def test_free_this_week_and_too_many_requests_on_a_phone(
    live_server: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test import Client as HttpClient

    from sacrum.directory import limits
    from sacrum.scheduling.ratelimit import Limit

    folder = shots_folder()
    # The 429 page as a refused visitor gets it; shown in Chromium under a URL of the live
    # server (a real 429 would be a console error, which fails every browser test).
    monkeypatch.setattr(limits, "PAGES_PER_IP", Limit("t-browser", 0, 600))
    refused = HttpClient(REMOTE_ADDR="192.0.2.77").get("/directory/?place=Bath")
    assert refused.status_code == 429
    monkeypatch.setattr(limits, "PAGES_PER_IP", Limit("t-browser-ok", 100, 600))

    def script(page: Any) -> None:
        page.goto("/directory/?place=Frome&radius=50&free=on")
        expect(page.locator("#results-title")).to_contain_text(
            "1 practitioner free this week within 50 km of Frome"
        )
        expect(page.get_by_role("contentinfo")).to_contain_text("GeoNames")
        page.screenshot(path=str(folder / "directory-06-free-this-week.png"), full_page=True)
        page.route(
            "**/directory/too-many-shown",
            lambda route: route.fulfill(
                status=200, body=refused.content, content_type="text/html; charset=utf-8"
            ),
        )
        page.goto("/directory/too-many-shown")
        expect(page.locator("h1")).to_have_text("Too many requests")
        expect(page.get_by_role("alert")).to_contain_text("Please wait about 10 minutes")
        page.screenshot(path=str(folder / "directory-07-too-many.png"), full_page=True)

    on_phone(live_server.url, script)
