"""In a real browser: the owner opens the billing reports from the menu, reads the
figures, and a period ending before it starts is refused by the field (axe checks each page)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.billing import services
from sacrum.clients.models import Client
from tests.browser.conftest import Shots
from tests.conftest import PASSWORD, Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_reads_the_billing_reports(
    page: Any, owner: Persona, a_client: Client, shot: Shots
) -> None:
    services.update_settings(
        actor=owner.actor, data={"tax_number": "GB123456789", "default_tax_rate": Decimal("20")}
    )
    draft = services.create_invoice(
        actor=owner.actor,
        client=a_client,
        lines=[services.LineInput(description="Follow-up", unit_price=Decimal("75"))],
    )
    invoice = services.issue(actor=owner.actor, invoice=draft)
    services.record_payment(
        actor=owner.actor,
        client=a_client,
        payment=services.PaymentInput(amount=Decimal("50"), method="card", invoice=invoice),
    )
    page.goto("/accounts/login/?next=/")
    page.fill("#id_login", owner.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()
    page.get_by_role("link", name="Billing reports").click()
    expect(page.locator("h1")).to_have_text("Billing reports")
    takings = page.locator("section[aria-labelledby='report-takings']")
    expect(takings).to_contain_text("Card at a terminal")
    expect(takings).to_contain_text("£50.00")
    expect(page.locator("section[aria-labelledby='report-outstanding']")).to_contain_text(
        "Ada Lovelace"
    )
    expect(page.locator("section[aria-labelledby='report-revenue_by_month']")).to_contain_text(
        "£75.00"
    )
    expect(page.locator("section[aria-labelledby='report-use_of_rooms']")).to_be_visible()
    shot(page, "reports")
    page.get_by_label("Period from").fill("2026-06-10")
    page.get_by_label("Period to").fill("2026-06-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".field.has-error")).to_contain_text("cannot be before the start")
    shot(page, "bad-period")
