"""In a real browser on a phone: a new client books online, confirms from the e-mail,
then cancels from the manage link. Screenshots go to ``SACRUM_SCREENSHOT_DIR``.

Chromium runs on a thread of its own (as in tests/outcomes/test_browser.py), so it never
meets another Playwright instance of the same test process.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import ViewportSize, expect

from sacrum.scheduling.models import Appointment
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS
from tests.clock import set_browser_clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def files_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": "/nowhere/"},
        },
    }


def shots_folder() -> Path:
    folder = Path(
        os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def on_phone(base_url: str, script: Callable[[Any], None]) -> None:
    """Run ``script(page)`` in Chromium with a phone viewport; fail on console errors."""
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
                context = browser.new_context(
                    viewport=PHONE, base_url=base_url, is_mobile=True, has_touch=True
                )
                context.set_default_timeout(15_000)
                set_browser_clock(context)
                tab = context.new_page()
                tab.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
                tab.on("pageerror", lambda e: console.append(f"page error: {e}"))
                script(tab)
                browser.close()
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(timeout=180)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
    if failures:
        raise failures[0]
    assert not console, console


def test_a_new_client_books_on_a_phone_and_cancels_from_the_manage_link(
    live_server: Any, clinic: Any, service: Any, location: Any, rooms: Any, hours: None
) -> None:
    clinic.phone = "0117 496 0000"
    clinic.save()
    location.address_line = "12 Harbour Walk"
    location.save()
    service.description = "A 50-minute session with your practitioner."
    service.save()
    folder = shots_folder()

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(folder / f"online-booking-{name}.png"), full_page=True)

    def book(page: Any) -> None:
        page.goto(f"/book/{clinic.slug}/")
        expect(page.locator("h1")).to_have_text("Book an appointment")
        # A single service is chosen for the visitor; the free times show at once.
        expect(page.locator(".slot").first).to_be_visible()
        page.select_option("#id_practitioner", label="Pat Practitioner")
        expect(page.locator("#id_practitioner")).to_have_value(
            re.compile(r"[0-9a-f-]{36}"), timeout=15_000
        )
        shot(page, "01-times")
        # A week on, the time lies outside the one-day change window on any day and hour,
        # so the manage link below still offers to move or cancel it.
        page.get_by_role("link", name="Later →").click()
        page.locator(".slot").first.click()
        expect(page.locator("h1")).to_have_text("Your details")
        page.fill("#id_first_name", "Mary")
        page.fill("#id_last_name", "Shelley")
        page.fill("#id_email", "mary@example.test")
        page.fill("#id_date_of_birth", "1990-08-30")
        shot(page, "02-details")
        # A returning visitor gives only e-mail and date of birth: the names hide.
        page.check("input[name=visitor][value=returning]")
        expect(page.locator("#id_first_name")).to_be_hidden()
        page.check("input[name=visitor][value=new]")
        expect(page.locator("#id_first_name")).to_be_visible()
        page.get_by_role("button", name="Send me the confirmation link").click()
        expect(page.locator("h1")).to_have_text("Check your e-mail")
        shot(page, "03-check-email")

    on_phone(live_server.url, book)
    found = re.search(r"https?://\S+(/book/confirm/\S+/)", str(mail.outbox[-1].body))
    assert found is not None
    confirm = found.group(1)

    def confirm_it(page: Any) -> None:
        page.goto(confirm)
        expect(page.locator("h1")).to_have_text("Confirm your booking")
        shot(page, "04-confirm")
        page.get_by_role("button", name="Confirm").click()
        expect(page.locator("h1")).to_have_text("You are booked")
        shot(page, "05-booked")

    on_phone(live_server.url, confirm_it)
    appointment = Appointment.objects.get()
    assert appointment.source == "online" and appointment.status == "booked"
    assert mail.outbox[-1].attachments[0][0] == "appointment.ics"
    found = re.search(r"https?://\S+(/book/manage/\S+/)", str(mail.outbox[-1].body))
    assert found is not None
    manage = found.group(1)

    def cancel_it(page: Any) -> None:
        page.goto(manage)
        expect(page.locator("h1")).to_have_text("Your appointment")
        expect(page.locator(".slot").first).to_be_visible()
        shot(page, "06-manage")
        page.fill("#id_reason", "Travelling for work")
        page.get_by_role("button", name="Cancel the appointment").click()
        expect(page.locator(".message.success")).to_contain_text("is cancelled")
        shot(page, "07-cancelled")

    on_phone(live_server.url, cancel_it)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.cancelled_by_party == "client"
