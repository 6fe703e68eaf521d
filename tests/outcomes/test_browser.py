"""In a real browser: a diary day and a questionnaire on a phone, then the practitioner's curve.

The practitioner fills them with the client in the room (the client's own secure links
are not built yet). Screenshots go to ``SACRUM_SCREENSHOT_DIR``.

Each test drives Chromium from a thread of its own, so it never meets another Playwright
instance running in the same test process (the sync API allows one per thread).
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
from django.utils import timezone
from playwright.sync_api import expect

from sacrum.clients.models import Client
from sacrum.clinics.models import Location
from sacrum.outcomes import services
from sacrum.outcomes.models import DiaryEntry, InstrumentDefinition, Response
from sacrum.scheduling.models import Appointment, ServiceType
from tests.access.objects import Stillwater
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, Shots
from tests.clock import set_browser_clock
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    folder = Path(
        os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder, request.node.name)


def in_browser(base_url: str, script: Callable[[Any], None]) -> None:
    """Run ``script(page)`` in Chromium on a thread of its own; fail on its errors and on
    any console error (a CSP violation, a script error, a missing asset)."""
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
                    viewport={"width": 1024, "height": 768}, base_url=base_url
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
        worker.join(timeout=120)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
    if failures:
        raise failures[0]
    assert not console, console


def sign_in(tab: Any, email: str) -> None:
    tab.goto("/accounts/login/")
    tab.fill("#id_login", email)
    tab.fill("#id_password", PASSWORD)
    tab.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(tab.locator("h1")).to_contain_text("Today")


def seed(owner: Any, practitioner: Any, front_desk: Any) -> Any:
    """A client with a baseline phase, weekly sessions since, and pain scores throughout."""
    w = Stillwater(owner, practitioner, front_desk)
    client = w.object("client_id")
    service, location = w.object("service_id"), w.object("location_id")
    assert isinstance(client, Client)
    assert isinstance(service, ServiceType) and isinstance(location, Location)
    now = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    for weeks in (6, 5, 4, 3, 2, 1):
        start = now - dt.timedelta(weeks=weeks)
        Appointment.objects.create(
            clinic=owner.clinic,
            client=client,
            practitioner=practitioner.member,
            service=service,
            location=location,
            start=start,
            end=start + dt.timedelta(minutes=50),
            blocked_start=start,
            blocked_end=start + dt.timedelta(minutes=50),
            status="completed",
        )
    services.ensure_definitions(owner.clinic)
    pain = InstrumentDefinition.objects.get(clinic=owner.clinic, key="pain-nrs")
    for days, value in (
        (64, 7),
        (59, 8),
        (52, 7),
        (45, 6),
        (38, 6),
        (31, 5),
        (24, 4),
        (17, 4),
        (10, 3),
    ):
        services.record_response(
            actor=practitioner.actor,
            client=client,
            definition=pain,
            answers={"pain": value},
            completed_at=timezone.now() - dt.timedelta(days=days),
            occasion="baseline" if days == 64 else "session",
            condition="neck-pain",
        )
    return client


def test_diary_and_questionnaire_on_a_phone_then_the_curve(
    live_server: Any, shot: Shots, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    client = seed(owner, practitioner, front_desk)
    pain = InstrumentDefinition.objects.get(clinic=owner.clinic, key="pain-nrs")

    def script(page: Any) -> None:
        page.set_viewport_size(PHONE)
        sign_in(page, practitioner.user.email)
        page.goto(f"/clients/{client.pk}/diary/new")
        expect(page.locator("h1")).to_contain_text("Headache diary")
        page.get_by_text("Yes", exact=True).first.click()
        page.locator("fieldset.question").nth(1).get_by_text("6", exact=True).click()
        page.locator("fieldset.question").nth(2).get_by_text("No", exact=True).click()
        shot(page, "phone-diary")
        page.get_by_role("button", name="Save the day").click()
        expect(page.locator(".message.success")).to_contain_text("Diary day")

        page.goto(f"/clients/{client.pk}/outcomes/{pain.pk}/new")
        page.locator("fieldset.question").first.get_by_text("3", exact=True).click()
        shot(page, "phone-pain-questionnaire")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".message.success")).to_contain_text("Pain, 0 to 10 saved: 3")
        shot(page, "phone-outcomes")

        page.set_viewport_size({"width": 1024, "height": 900})
        page.goto(f"/clients/{client.pk}/outcomes/")
        curve = page.locator("section.measure", has_text="Pain, 0 to 10")
        expect(curve.locator("svg polyline.trace")).to_be_visible()
        expect(curve.locator("svg line.mic")).to_have_count(1)
        expect(curve.locator("svg path.session-mark")).to_have_count(6)
        expect(curve).to_contain_text("Reached the minimal important change")
        expect(curve).to_contain_text(re.compile(r"NAP \d\.\d\d \(95 % CI"))
        curve.scroll_into_view_if_needed()
        shot(page, "practitioner-curve")

    in_browser(live_server.url, script)
    entry = DiaryEntry.objects.get(client=client)
    assert (entry.headache, entry.peak, entry.medication) == (True, 6, False)
    assert Response.objects.filter(client=client).count() == 10


def test_owner_sees_the_report_and_loads_wording(
    live_server: Any, shot: Shots, owner: Any, practitioner: Any
) -> None:
    from tests.outcomes.test_pages_and_report import make_cohort

    services.ensure_definitions(owner.clinic)
    definitions = {d.key: d for d in InstrumentDefinition.objects.filter(clinic=owner.clinic)}
    make_cohort(practitioner, definitions, owner, n=24)
    wrong_file = (
        '{"resourceType": "Questionnaire", "status": "active", "item": [{"linkId": "a", '
        '"type": "choice", "text": "Item 1", "answerOption": [{"valueCoding": {"code": "x"}}]}]}'
    )

    def script(page: Any) -> None:
        sign_in(page, owner.user.email)
        page.get_by_role("link", name="Outcome report").click()
        expect(page.locator(".statement")).to_contain_text("no control group")
        expect(page.locator("table.report")).to_contain_text("lost")
        shot(page, "owner-report")
        page.goto(f"/outcomes/instruments/{definitions['phq-9'].pk}/")
        page.fill("#id_text", wrong_file)
        page.get_by_role("button", name="Load wording").click()
        expect(page.locator(".form-errors")).to_contain_text("the PHQ-9 scoring expects 9")
        shot(page, "owner-wording-mismatch")

    in_browser(live_server.url, script)
    assert not definitions["phq-9"].instrument.texts_loaded
