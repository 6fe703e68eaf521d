"""On a phone (390x844): the client opens Records, reads what the download holds, and
downloads the PDF with her signed session note and its addendum in it. On the staff
side, the owner makes the same record for a request by post, with a reason."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from sacrum.charting import services as charting
from sacrum.portal.models import PortalAccount, RecordCopy
from tests.browser.conftest import Shots
from tests.charting.objects import draft, signed
from tests.conftest import PASSWORD, Persona
from tests.outcomes.test_browser import PHONE, in_browser, sign_in
from tests.portal.conftest import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    folder = Path(
        os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder, request.node.name)


def test_client_downloads_her_record_with_signed_notes_on_a_phone(
    live_server: Any, shot: Shots, practitioner: Persona, ada: Person, ada_account: PortalAccount
) -> None:
    note = signed(practitioner, ada.client, complaint="Ada neck stiff since Tuesday")
    charting.add_addendum(actor=practitioner.actor, note=note, text="Ada phoned: slept well")
    draft(practitioner, ada.client, complaint="Ada draft not for her eyes")
    downloaded: list[bytes] = []

    def script(page: Any) -> None:
        page.set_viewport_size(PHONE)
        page.goto("/accounts/login/")
        page.fill("#id_login", ada.client.email)
        page.fill("#id_password", PASSWORD)
        page.locator("form[action='/accounts/login/'] button[type=submit]").click()
        expect(page.locator("h1")).to_contain_text("Hello Ada")
        page.get_by_role("link", name="Records").click()
        expect(page.locator("h1")).to_contain_text("Your records")
        expect(page.locator("main")).to_contain_text("signed notes of your sessions")
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        shot(page, "phone-records")
        with page.expect_download() as info:
            page.get_by_role("link", name="PDF (to read or print)").click()
        downloaded.append(Path(info.value.path()).read_bytes())

    in_browser(live_server.url, script)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(downloaded[0])).pages)
    assert "Ada neck stiff since Tuesday" in text
    assert "Ada phoned: slept well" in text
    assert "Ada draft not for her eyes" not in text


def test_owner_makes_a_copy_for_a_request_by_post(
    live_server: Any, shot: Shots, owner: Persona, practitioner: Persona, ada: Person
) -> None:
    signed(practitioner, ada.client, complaint="Ada neck stiff since Tuesday")
    downloaded: list[bytes] = []

    def script(page: Any) -> None:
        sign_in(page, owner.user.email)
        page.goto(f"/clients/{ada.client.pk}/")
        page.get_by_role("link", name="Copy of the record").click()
        expect(page.locator("h1")).to_contain_text("Copy of the record")
        expect(page.locator("main")).to_contain_text("every signed session note")
        shot(page, "copy-form")
        page.get_by_label("Why is the copy made?").fill("Letter from Ada of 3 May")
        with page.expect_download() as info:
            page.get_by_role("button", name="Download the copy").click()
        downloaded.append(Path(info.value.path()).read_bytes())
        shot(page, "copy-made")

    in_browser(live_server.url, script)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(downloaded[0])).pages)
    assert "Ada neck stiff since Tuesday" in text
    assert RecordCopy.objects.get().reason == "Letter from Ada of 3 May"
