"""In a real browser: a client opens the e-mailed offer on a phone and books the time;
a second client, too late, is told it has gone; the front desk sees the queue.

Chromium runs on a thread of its own (the sync Playwright API allows one instance per
thread). Screenshots go to ``$SACRUM_SCREENSHOT_DIR`` or a temporary folder.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sacrum.scheduling.models import Appointment
from sacrum.scheduling.services import booking
from sacrum.waitlist.matching import scan
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS
from tests.clock import set_browser_clock
from tests.conftest import PASSWORD
from tests.waitlist.test_offers import offer_mails, token_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-"))


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"waitlist-{name}.png"), full_page=True)


def in_browser(base_url: str, script: Callable[[Any], None]) -> None:
    """Run ``script(context)`` in Chromium on its own thread; fail on console errors."""
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing", pytrace=False)
        pytest.skip(f"{CHROMIUM} is not installed")
    failures: list[BaseException] = []
    console: list[str] = []

    def run() -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
                )

                def context(**options: Any) -> Any:
                    made = browser.new_context(base_url=base_url, **options)
                    made.set_default_timeout(15_000)
                    set_browser_clock(made)
                    made.on(
                        "console",
                        lambda m: console.append(m.text) if m.type == "error" else None,
                    )
                    return made

                script(context)
                browser.close()
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(timeout=120)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
    if failures:
        raise failures[0]
    # A 410 for the late client and a 404 for the tampered link are the pages' answers.
    faults = [
        c
        for c in console
        if not (c.startswith("Failed to load resource") and ("410" in c or "404" in c))
    ]
    assert not faults, faults


def test_a_client_books_the_offered_time_on_a_phone(
    live_server: Any, line: Any, owner: Any, front_desk: Any, blocker: Appointment
) -> None:
    booking.cancel(actor=owner.actor, appointment=blocker)
    scan(timezone.now())
    first, second = (token_in(m) for m in offer_mails()[:2])

    def script(context: Callable[..., Any]) -> None:
        phone = context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        phone.goto(f"/waitlist/offer/{first}/")
        expect(phone.locator("h1")).to_have_text("A time has come free")
        expect(phone.locator(".offer-slot")).to_contain_text("Craniosacral session")
        expect(phone.locator(".offer-slot")).to_contain_text("10:00")
        expect(phone.locator(".offer-slot")).to_contain_text("Harbour Road")
        expect(phone.locator(".offer-slot")).to_contain_text("Pat Practitioner")
        expect(phone.locator("body")).not_to_contain_text("Amira")
        shot(phone, "01-phone-offer")
        phone.get_by_role("button", name="Book this time").click()
        expect(phone.locator("h1")).to_have_text("You are booked")
        shot(phone, "02-phone-booked")

        late = context(viewport=PHONE, is_mobile=True).new_page()
        late.goto(f"/waitlist/offer/{second}/")
        expect(late.locator("h1")).to_have_text("This time has been taken")
        shot(late, "03-phone-too-late")
        late.goto(f"/waitlist/offer/{second[:-3]}abc/")
        expect(late.locator("h1")).to_have_text("This link cannot be used")

        desk = context(viewport={"width": 1280, "height": 800}).new_page()
        desk.goto("/accounts/login/?next=/waitlist/")
        desk.fill("#id_login", front_desk.user.email)
        desk.fill("#id_password", PASSWORD)
        desk.locator("form[action^='/accounts/login/'] button[type=submit]").click()
        expect(desk.locator("h1")).to_have_text("Waitlist")
        expect(desk.locator("table.waitlist tbody tr")).to_have_count(2)
        shot(desk, "04-front-desk-queue")
        desk.goto("/waitlist/?show=booked")
        expect(desk.locator("table.waitlist")).to_contain_text("Amira")
        desk.goto(f"/clients/{line[2].client_id}/waitlist/")
        expect(desk.locator("h1")).to_contain_text("Waitlist for")
        shot(desk, "05-client-waitlist")

    in_browser(live_server.url, script)
    assert Appointment.objects.filter(client=line[0].client, status="booked").count() == 1
