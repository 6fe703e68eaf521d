"""In a real browser: a practitioner adds a diagnosis code, the front desk produces the
statement for insurance for May, sees the figures and the PDF link; a bad period shows its
message by the field. The pages pass the accessibility check."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.clients.models import Client
from tests.billing.conftest import billing, location, service  # noqa: F401  (fixtures)
from tests.billing.test_superbill import sessions  # noqa: F401  (a fixture)
from tests.browser.conftest import Shots
from tests.conftest import PASSWORD, Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, persona: Persona, url: str) -> None:
    page.goto(f"/accounts/login/?next={url}")
    page.fill("#id_login", persona.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()


def test_the_statement_for_insurance_page(
    page: Any,
    owner: Persona,
    a_client: Client,
    sessions: Any,  # noqa: F811
    shot: Shots,
) -> None:
    _sign_in(page, owner, f"/clients/{a_client.pk}/billing/")
    page.get_by_role("link", name="Statement for insurance").click()
    expect(page.locator("h1")).to_have_text("Statement for insurance")
    page.locator("#id_code").fill("G44.2")
    page.get_by_label("Description (optional)").fill("Tension-type headache")
    page.get_by_role("button", name="Add code").click()
    expect(page.locator("#diagnoses")).to_contain_text("G44.2: Tension-type headache")
    page.locator("#id_start").fill("2026-05-01")
    page.locator("#id_end").fill("2026-05-31")
    page.get_by_role("button", name="Show").click()
    table = page.locator("#statement-rows")
    expect(table).to_contain_text("12 May 2026")
    expect(table.locator("tfoot")).to_contain_text("£150.00")
    expect(table.locator("tfoot")).to_contain_text("£45.00")
    page.wait_for_load_state("load")
    page.evaluate("window.__sacrumAccessibilityDone")
    shot(page, "statement")
    page.screenshot(path=str(shot.folder / "statement-full.png"), full_page=True)
    page.locator("#id_start").fill("2026-05-31")
    page.locator("#id_end").fill("2026-05-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".field.has-error")).to_contain_text("The end cannot be before the start.")
    page.evaluate("window.__sacrumAccessibilityDone")
    shot(page, "bad-period")
    page.goto("/billing/service-codes")
    expect(page.locator("h1")).to_have_text("Service codes")
    page.evaluate("window.__sacrumAccessibilityDone")
    shot(page, "service-codes")
