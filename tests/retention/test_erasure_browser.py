"""The owner's journey in a real browser: set the retention rule, erase a client from the
record (a wrong name is refused by the field), and see the hold on the settings page."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.clients.models import Client
from sacrum.retention.models import Erasure, RetentionPolicy
from tests.browser.conftest import Shots
from tests.outcomes.test_browser import in_browser, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CONFIRM = "Type the client's first and last name to confirm"


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    folder = Path(
        os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder, request.node.name)


def test_owner_sets_the_rule_and_erases_a_client(
    live_server: Any, owner: Any, a_client: Client, shot: Shots
) -> None:
    seen: dict[str, str] = {}

    def script(tab: Any) -> None:
        sign_in(tab, owner.user.email)
        tab.get_by_role("link", name="Records & erasure").click()
        expect(tab.locator("h1")).to_have_text("Records and erasure")
        tab.select_option("#id_preset", "de")
        tab.get_by_role("button", name="Save retention rule").click()
        expect(tab.locator("main")).to_contain_text("kept 10 years after the last contact")
        shot(tab, "retention-settings")

        tab.goto(f"/clients/{a_client.pk}/")
        tab.get_by_role("link", name="Erase client").click()
        expect(tab.locator("h1")).to_have_text("Erase Ada Lovelace")
        tab.get_by_label("The client asked to be erased").check()
        tab.get_by_label(CONFIRM).fill("Ada Byron")
        tab.get_by_role("button", name="Erase this client").click()
        expect(tab.locator("main")).to_contain_text("Type the client's first and last name exactly")
        shot(tab, "erase-refused")

        tab.get_by_label(CONFIRM).fill("ada lovelace")
        tab.get_by_role("button", name="Erase this client").click()
        expect(tab).to_have_url(re.compile(r"/clinic/retention$"))
        expect(tab.locator("main")).to_contain_text("held until")
        seen["settings"] = tab.locator("main").inner_text()
        shot(tab, "erased")
        tab.goto("/clients/")
        seen["clients"] = tab.locator("main").inner_text()

    in_browser(live_server.url, script)
    assert RetentionPolicy.objects.get(clinic=owner.clinic).years_after_last_contact == 10
    erasure = Erasure.objects.get()
    assert erasure.reference in seen["settings"]
    assert "Lovelace" not in seen["clients"]
