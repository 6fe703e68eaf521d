"""In a real browser: the owner uploads a Jane patient list, reads the dry run, imports.

It lives in tests/browser so it shares that folder's one Chromium per process: a second
sync Playwright started in the same thread fails ('Sync API inside the asyncio loop')."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.clients.models import Client
from tests.browser.conftest import Shots
from tests.conftest import PASSWORD, Persona
from tests.imports.conftest import ready  # noqa: F401  (a fixture)
from tests.imports.helpers import DATA, run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_imports_a_jane_patient_list(page: Any, ready: Persona, shot: Shots) -> None:  # noqa: F811
    page.goto("/accounts/login/?next=/clinic/settings")
    page.fill("#id_login", ready.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()
    page.get_by_role("link", name="Import from another system").click()
    expect(page.locator("h1")).to_have_text("Import from another system")
    page.set_input_files("#id_file", str(DATA / "jane_patients.csv"))
    shot(page, "upload")
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("main")).to_contain_text("Jane")
    expect(page.get_by_label("Date of birth", exact=True)).to_have_value("Birth Date")
    shot(page, "mapping")
    page.get_by_role("button", name="Dry run: check every row, write nothing").click()
    expect(page.locator("h1")).to_contain_text("Dry run of clients from Jane")
    expect(page.locator("table.problems")).to_contain_text(
        "date of birth '1992-02-30' is not a date"
    )
    page.screenshot(path=str(shot.folder / f"{shot.prefix}-03-dry-run.png"), full_page=True)
    assert not Client.objects.filter(clinic=ready.clinic).exists()
    page.get_by_role("button", name="Import now").click()
    expect(page.locator("h1")).to_contain_text("Import of clients from Jane")
    expect(page.locator("main")).to_contain_text("The uploaded file has been deleted")
    shot(page, "imported")
    assert Client.objects.filter(clinic=ready.clinic).count() == 3


def test_imported_notes_on_the_chart(page: Any, ready: Persona, shot: Shots) -> None:  # noqa: F811
    # The same system's name for both files: the notes find their clients by its ids.
    run(ready, "generic_clients.csv", source_system="Harbour Notes")
    run(ready, "generic_notes.csv", source_system="Harbour Notes")
    selma = Client.objects.get(clinic=ready.clinic, last_name="Haverkamp")
    page.goto(f"/accounts/login/?next=/clients/{selma.pk}/chart/")
    page.fill("#id_login", ready.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()
    heading = page.get_by_role("heading", name="Imported from Harbour Notes")
    expect(heading).to_be_visible()
    expect(page.locator(".imported-notes")).to_contain_text("Initial assessment")
    page.screenshot(path=str(shot.folder / f"{shot.prefix}-01-chart.png"), full_page=True)
