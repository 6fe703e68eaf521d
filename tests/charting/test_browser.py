"""In a real browser on a tablet: chart a whole session from the appointment, with the
body map by tap, by click and by keyboard (Tab to a region, Enter / Space), autosave
surviving a reload, then sign. Screenshots go to ``SACRUM_SCREENSHOT_DIR``.

Chromium runs on a thread of its own (the sync Playwright API allows one per thread).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ViewportSize, expect

from sacrum.charting.models import SessionNote
from tests.access.objects import Stillwater
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, Shots
from tests.charting.objects import after_the_session, make_chartable, signed
from tests.clock import set_browser_clock
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANDSCAPE: ViewportSize = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    folder = Path(
        os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder, request.node.name)


def in_browser(
    base_url: str, script: Callable[[Any], None], expected_console: tuple[str, ...] = ()
) -> None:
    """Run ``script(page)`` in Chromium (touch enabled); fail on any console error but the
    ``expected_console`` ones (e.g. the 422 of a form posted wrong on purpose)."""
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
                context = browser.new_context(viewport=LANDSCAPE, base_url=base_url, has_touch=True)
                context.set_default_timeout(15_000)
                set_browser_clock(context)
                tab = context.new_page()
                tab.on(
                    "console",
                    lambda m: (
                        console.append(f"{m.text} {m.location.get('url', '')}")
                        if m.type == "error"
                        else None
                    ),
                )
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
    faults = [
        c
        for c in console
        if not c.rstrip().endswith("/favicon.ico") and not any(e in c for e in expected_console)
    ]
    assert not faults, faults


def sign_in(tab: Any, email: str, then: str) -> None:
    tab.goto(f"/accounts/login/?next={then}")
    tab.fill("#id_login", email)
    tab.fill("#id_password", PASSWORD)
    tab.locator("form[action^='/accounts/login/'] button[type=submit]").click()
    tab.wait_for_url(lambda u: "/accounts/login/" not in u)


def tab_to(page: Any, label: str, limit: int = 60) -> None:
    """Press Tab until the focused element is the body-map region called ``label``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == label:
            return
    raise AssertionError(f"Tab never reached {label!r}")


def test_chart_a_whole_session_on_a_tablet(
    live_server: Any, clock: Any, shot: Shots, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    w = Stillwater(owner, practitioner, front_desk)
    appointment: Any = w.object("appointment_id")
    client = make_chartable(practitioner, appointment.client)
    signed(practitioner, client)  # last session: occiput and left temporal marked

    after_the_session(clock, appointment)

    def script(page: Any) -> None:
        sign_in(page, practitioner.user.email, f"/appointments/{appointment.pk}/chart")
        expect(page.locator("h1")).to_contain_text("Chart a session")
        page.get_by_label("Techniques (names and order)").check()
        shot(page, "start")
        page.get_by_role("button", name="Start the note").click()
        expect(page.locator(".badge.warn")).to_have_text("Draft")

        # S: words and pain before.
        page.get_by_label("Complaint, in the client's words").fill("Jaw tight after dental work")
        page.locator("fieldset.pain").first.get_by_text("6", exact=True).click()
        # O: a rhythm finding (palpation).
        page.get_by_label("Rate at Heels (cycles per minute)").fill("8.5")
        page.get_by_role("group", name="Quality at Heels").get_by_text("Moderate").click()

        # Body map by touch and by mouse.
        page.locator("a#bm-sacrum").tap()
        page.locator("a#bm-tmj-left").click()
        expect(page.locator("a#bm-sacrum")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("a#bm-tmj-left")).to_have_class("region bone marked sev-1")
        expect(page.locator("#bm-row-tmj")).to_be_visible()
        expect(page.locator("#id_r-tmj-side")).to_have_value("left")
        # Tapping the other side marks both sides; the row follows.
        page.locator("a#bm-tmj-right").click()
        expect(page.locator("#id_r-tmj-side")).to_have_value("bilateral")
        page.locator("#bm-row-tmj .severity").get_by_text("3", exact=True).click()
        expect(page.locator("a#bm-tmj-right")).to_have_class("region bone marked sev-3")
        page.locator("#id_r-tmj-note").fill("Clicks on opening")

        # Body map by keyboard: Tab to a region, Enter marks it, Space marks another.
        page.locator("#id_r-tmj-note").focus()
        page.locator("a#bm-mandible").focus()
        tab_to(page, "Thoracic spine")
        page.keyboard.press("Enter")
        expect(page.locator("a#bm-thoracic")).to_have_attribute("aria-pressed", "true")
        tab_to(page, "Lumbar spine")
        page.keyboard.press(" ")
        expect(page.locator("a#bm-lumbar")).to_have_attribute("aria-pressed", "true")
        page.keyboard.press("Enter")  # and again clears it
        expect(page.locator("a#bm-lumbar")).to_have_attribute("aria-pressed", "false")
        page.locator(".chips").get_by_role("button", name="Dural tube").click()
        expect(page.locator("#bm-row-dural_tube")).to_be_visible()
        expect(page.locator(".chips").get_by_role("button", name="Dural tube")).to_have_attribute(
            "aria-pressed", "true"
        )
        page.locator("#bodymap").scroll_into_view_if_needed()
        shot(page, "bodymap")

        # A and P.
        page.locator("fieldset.pain").nth(1).get_by_text("2", exact=True).click()
        page.get_by_text("Relaxation", exact=True).click()
        page.get_by_label("Next visit").fill("In one week")
        expect(page.locator("[data-autosave-status]")).to_contain_text(
            "Draft saved", timeout=10_000
        )
        shot(page, "autosaved")

        # The draft survives a reload (the tablet slept).
        page.reload()
        expect(page.get_by_label("Complaint, in the client's words")).to_have_value(
            "Jaw tight after dental work"
        )
        expect(page.locator("a#bm-tmj-left")).to_have_class("region bone marked sev-3")
        expect(page.locator("a#bm-occiput")).to_have_class("region bone was-marked")
        page.set_viewport_size(PORTRAIT)
        page.locator("#bodymap").scroll_into_view_if_needed()
        shot(page, "portrait-bodymap")
        page.set_viewport_size(LANDSCAPE)

        page.get_by_role("button", name="Review and sign…").click()
        expect(page.locator("h1")).to_contain_text("Sign the note")
        shot(page, "confirm")
        page.get_by_role("button", name="Sign and lock the note").click()
        expect(page.locator(".badge.ok")).to_contain_text("Signed")
        shot(page, "signed")
        page.goto(f"/clients/{client.pk}/chart/")
        expect(page.locator("table.timeline tbody tr")).to_have_count(2)
        shot(page, "chart-view")

    in_browser(live_server.url, script)
    note = SessionNote.objects.get(appointment=appointment)
    assert note.status == "signed" and note.pain_before == 6 and note.pain_after == 2
    marks = {(r.region, r.side, r.severity) for r in note.restrictions.all()}
    assert marks == {
        ("sacrum", "midline", 1),
        ("tmj", "bilateral", 3),
        ("thoracic", "midline", 1),
        ("dural_tube", "midline", 1),
    }
    assert str(note.rhythm_findings.get().rate) == "8.5"
    assert note.techniques.count() == 2  # carried forward from the last note
