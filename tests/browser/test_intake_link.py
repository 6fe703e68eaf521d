"""Real browser: a client fills the intake from the e-mailed link on a phone; the
practitioner sees the alert banner and acknowledges the warning.

Screening's journey (its code lives in src/sacrum/screening); it sits here to share the
one Playwright browser of conftest.py. Screenshots go to ``$SACRUM_SCREENSHOT_DIR`` or
``/tmp/shots-d``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from sacrum.screening import links
from sacrum.screening.models import AlertStatus, ClientAlert, Intake
from sacrum.screening.questions import question_set
from tests.clock import set_browser_clock
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = Path(os.environ.get("SACRUM_SCREENSHOT_DIR") or "/tmp/shots-d")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"intake-{name}.png"), full_page=True)


def watch_console(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_client_fills_intake_on_a_phone_and_practitioner_acknowledges(
    chromium: Any,
    live_server: Any,
    transactional_db: Any,
    front_desk: Any,
    practitioner: Any,
    a_client: Any,
) -> None:
    links.create_link(actor=front_desk.actor, client=a_client)
    found = re.search(r"https?://\S+/intake/\S+/", str(mail.outbox[-1].body))
    assert found is not None
    url = found.group(0)
    path = url.split("/intake/", 1)[1]

    phone = chromium.new_context(
        viewport=PHONE, base_url=live_server.url, is_mobile=True, has_touch=True
    )
    set_browser_clock(phone)
    page = phone.new_page()
    errors = watch_console(page)
    page.goto(f"/intake/{path}")
    expect(page.locator("h1")).to_have_text("Health history")
    shot(page, "01-phone-form")

    page.fill("#id_typed_name", "Ada Lovelace")
    page.check("#id_agreed")
    box = page.locator("canvas").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 22, box["y"] + 40 + (step % 3) * 12)
    page.mouse.up()

    page.fill("#id_physician_name", "Dr Mary Somerville")
    page.check("input[name=headaches][value=no]")
    expect(page.locator("input[name=hx_cancer]").first).to_be_hidden()
    for section in question_set("intake").sections:
        if section.show_if:
            continue
        for q in section.questions:
            if q.type == "yes_no" and q.key != "headaches":
                answer = "yes" if q.key == "anticoagulants" else "no"
                page.check(f"input[name={q.key}][value={answer}]")
    page.fill("#medications", "Apixaban 5 mg twice a day")
    shot(page, "02-phone-filled")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("h1")).to_have_text("Thank you")
    shot(page, "03-phone-thanks")
    phone.close()
    assert not errors, errors

    intake = Intake.objects.get(client=a_client)
    assert intake.via == "link" and intake.answers["anticoagulants"] == "yes"
    signature = a_client.consent_signatures.get()
    assert signature.drawn_signature.startswith("M")

    desk = chromium.new_context(viewport=DESKTOP, base_url=live_server.url)
    set_browser_clock(desk)
    page = desk.new_page()
    errors = watch_console(page)
    page.goto("/accounts/login/")
    page.fill("#id_login", practitioner.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Today")
    page.goto(f"/clients/{a_client.pk}/")
    banner = page.locator(".alert.warn")
    expect(banner).to_contain_text("Takes anticoagulant medication")
    expect(banner).to_contain_text("health-history intake")
    shot(page, "04-practitioner-banner")
    banner.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".message.success")).to_contain_text("Acknowledged")
    expect(page.locator(".alert.warn")).to_have_count(0)
    expect(page.locator("details.settled")).to_contain_text("1 settled alert")
    shot(page, "05-practitioner-acknowledged")
    desk.close()
    assert not errors, errors
    assert ClientAlert.objects.get(client=a_client).status == AlertStatus.ACKNOWLEDGED
