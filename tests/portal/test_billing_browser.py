"""In Chromium on a phone: the client's *Invoices* page (issued, part-paid, void and a
credit note, a package, receipts) reads right and passes the accessibility check."""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.billing import packages, services
from sacrum.portal.models import PortalAccount
from sacrum.scheduling.models import ServiceType
from tests.browser.conftest import Shots
from tests.conftest import PASSWORD, Persona
from tests.outcomes.test_browser import PHONE, in_browser
from tests.portal.conftest import Person
from tests.portal.test_billing import Documents, ada_docs  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    folder = Path(
        os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder, request.node.name)


def test_the_invoices_page_on_a_phone(
    live_server: Any,
    shot: Shots,
    owner: Persona,
    ada: Person,
    ada_account: PortalAccount,
    ada_docs: Documents,  # noqa: F811
) -> None:
    client = ada.client
    wrong = services.issue(
        actor=owner.actor,
        invoice=services.create_invoice(
            actor=owner.actor,
            client=client,
            lines=[services.LineInput(description="Typo", unit_price=Decimal("10"))],
        ),
    )
    services.void_invoice(actor=owner.actor, invoice=wrong, reason="Made out by mistake")
    note = services.credit_note(actor=owner.actor, invoice=ada_docs.issued, reason="Goodwill")
    corrects = f"Credit note {note.number_text}, correcting invoice {ada_docs.issued.number_text}"
    session = ServiceType.objects.create(
        clinic=client.clinic, name="Package session", duration_minutes=50
    )
    five = packages.create_package_type(
        actor=owner.actor,
        data={"name": "5 sessions", "sessions": 5, "price": Decimal("300"), "valid_days": 90},
        service_ids=[session.pk],
    )
    sold = packages.sell(actor=owner.actor, client=client, package_type=five)
    assert sold.invoice is not None
    services.issue(actor=owner.actor, invoice=sold.invoice)
    email = client.email

    def script(page: Any) -> None:
        page.set_viewport_size(PHONE)
        page.goto("/accounts/login/")
        page.fill("#id_login", email)
        page.fill("#id_password", PASSWORD)
        page.locator("form[action='/accounts/login/'] button[type=submit]").click()
        page.goto("/portal/invoices")
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("main")).to_contain_text("£80.00")
        expect(page.locator("main")).to_contain_text("5 sessions")
        expect(page.locator("#portal-invoices")).to_contain_text(corrects)
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        page.evaluate("window.__sacrumAccessibilityDone")
        shot(page, "portal-invoices")
        page.screenshot(path=str(shot.folder / "portal-invoices-full.png"), full_page=True)

    in_browser(live_server.url, script)
