"""In a real browser on a phone: a new client books online, confirms from the e-mail,
then cancels from the manage link. Screenshots go to ``SACRUM_SCREENSHOT_DIR``.

Chromium runs on a thread of its own (as in tests/outcomes/test_browser.py), so it never
meets another Playwright instance of the same test process.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import ViewportSize, expect

from sacrum.scheduling.models import Appointment, SchedulingPolicy
from sacrum.scheduling.services import online
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


def on_phone(base_url: str, script: Callable[[Any], None], *, allow: str = "") -> None:
    """Run ``script(page)`` in Chromium with a phone viewport; fail on console errors
    (but those containing ``allow``: a page answered with a 4xx on purpose)."""
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
    faults = [text for text in console if not (allow and allow in text)]
    assert not faults, faults


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
        page.fill("#id_phone", "0117 496 0123")
        # Required fields carry a visible * (hidden from screen readers, which hear
        # "required" from the attribute), explained above the form.
        expect(page.locator("#required-note")).to_have_text("* required")
        for name in ("first_name", "last_name", "email", "date_of_birth", "phone"):
            expect(page.locator(f"label[for=id_{name}] .req")).to_be_visible()
            expect(page.locator(f"#id_{name}")).to_have_attribute("required", "")
        shot(page, "02-details")
        # A returning visitor gives only e-mail and date of birth: the names hide, and
        # the phone number is no longer required.
        page.check("input[name=visitor][value=returning]")
        expect(page.locator("#id_first_name")).to_be_hidden()
        expect(page.locator("label[for=id_phone] .req")).to_be_hidden()
        expect(page.locator("#id_phone")).not_to_have_attribute("required", "")
        page.check("input[name=visitor][value=new]")
        expect(page.locator("#id_first_name")).to_be_visible()
        expect(page.locator("label[for=id_phone] .req")).to_be_visible()
        page.get_by_role("button", name="Hold this time and e-mail me").click()
        expect(page.locator("h1")).to_have_text("Check your e-mail")
        expect(page.locator("#held")).to_contain_text("We're holding")
        expect(page.locator("#held")).to_contain_text(
            "confirm from the e-mail we sent to finish booking."
        )
        shot(page, "03-held-check-email")

    on_phone(live_server.url, book)
    held = Appointment.objects.get()
    assert held.status == "requested" and held.hold_expires_at is not None
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

    assert "/intake/" in str(mail.outbox[-1].body)  # a new client: intake and consent link
    old_start = appointment.start

    def move_it(page: Any) -> None:
        page.goto(manage)
        expect(page.locator("h1")).to_have_text("Your appointment")
        shot(page, "06-manage")
        # A tap on a time asks first: old → new, "Move to this time" or "Keep my time".
        # (A week later, so the new time too is outside the change window.)
        page.get_by_role("link", name="Later →").click()
        page.locator(".slot").first.click()
        expect(page.locator("h1")).to_have_text("Move your appointment?")
        expect(page.locator("#old-time")).to_be_visible()
        expect(page.locator("#new-time")).to_be_visible()
        shot(page, "07-move-confirm")
        page.get_by_role("link", name="Keep my time").click()
        expect(page.locator("h1")).to_have_text("Your appointment")
        page.get_by_role("link", name="Later →").click()
        page.locator(".slot").first.click()
        page.get_by_role("button", name="Move to this time").click()
        expect(page.locator("h1")).to_contain_text("moved")
        shot(page, "08-moved")

    on_phone(live_server.url, move_it)
    appointment.refresh_from_db()
    assert appointment.start != old_start
    assert str(mail.outbox[-1].subject).startswith("Moved: ")
    found = re.search(r"https?://\S+(/book/manage/\S+/)", str(mail.outbox[-1].body))
    assert found is not None
    manage = found.group(1)

    def cancel_it(page: Any) -> None:
        page.goto(manage)
        expect(page.locator("h1")).to_have_text("Your appointment")
        expect(page.locator(".slot").first).to_be_visible()
        page.fill("#id_reason", "Travelling for work")
        page.get_by_role("button", name="Cancel the appointment").click()
        expect(page.locator(".message.success")).to_contain_text("is cancelled")
        shot(page, "09-cancelled")

    on_phone(live_server.url, cancel_it)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.cancelled_by_party == "client"


def test_a_hold_not_confirmed_in_time_says_so_and_books_nothing(
    live_server: Any,
    clinic: Any,
    service: Any,
    location: Any,
    rooms: Any,
    hours: None,
    clock: time_machine.Traveller,
) -> None:
    folder = shots_folder()
    start = timezone.now() + dt.timedelta(days=7)
    slots = online.free_slots(
        online.Choice(service, location, None),
        SchedulingPolicy.for_clinic(clinic.pk),
        start.date(),
        7,
    )
    first = next(epoch for day in sorted(slots) for _at, epoch in slots[day])
    online.request_booking(
        clinic=clinic,
        policy=SchedulingPolicy.for_clinic(clinic.pk),
        choice=online.Choice(service, location, None, online.parse_start(str(first))),
        details=online.Details(
            new_client=True,
            email="mary@example.test",
            date_of_birth=dt.date(1990, 8, 30),
            first_name="Mary",
            last_name="Shelley",
            phone="0117 496 0123",
        ),
        actor=online.public_actor("203.0.113.7"),
    )
    found = re.search(r"https?://\S+(/book/confirm/\S+/)", str(mail.outbox[-1].body))
    assert found is not None
    confirm = found.group(1)
    clock.shift(dt.timedelta(minutes=61))

    def too_late(page: Any) -> None:
        page.goto(confirm)
        expect(page.locator("h1")).to_have_text("Confirm your booking")
        expect(page.locator(".form-errors")).to_contain_text("not confirmed in time")
        expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
        expect(page.get_by_role("link", name="Choose another time")).to_be_visible()
        page.screenshot(path=str(folder / "online-booking-10-hold-lapsed.png"), full_page=True)

    on_phone(live_server.url, too_late, allow="status of 410")
    assert not Appointment.objects.filter(status="booked").exists()
