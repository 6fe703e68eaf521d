"""In Chromium: the owner finds "Data export" in the menu, watches a running export's
progress, cancels it, starts a FHIR export and downloads the zip.

Screenshots go to ``SACRUM_SCREENSHOT_DIR``. A console error (a CSP violation, a script
error) fails the test.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sacrum.exports.models import ExportJob, JobStatus
from tests.browser.conftest import Shots
from tests.charting.objects import make_chartable, new_client, signed
from tests.outcomes.test_browser import in_browser, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    folder = Path(
        os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder, request.node.name)


def test_owner_watches_cancels_starts_and_downloads_an_export(
    live_server: Any, owner: Any, practitioner: Any, shot: Shots, tmp_path: Path
) -> None:
    signed(practitioner, make_chartable(practitioner, new_client(owner)))
    running = ExportJob.objects.create(
        clinic=owner.clinic,
        requested_by=owner.member,
        format="fhir",
        channel="api",
        status=JobStatus.RUNNING,
        done_count=120,
        total_count=480,
        created_at=timezone.now(),
        started_at=timezone.now(),
    )
    saved: list[Path] = []

    def script(tab: Any) -> None:
        tab.on("dialog", lambda dialog: dialog.accept())
        sign_in(tab, owner.user.email)
        tab.get_by_role("link", name="Data export").click()
        expect(tab.locator("h1")).to_contain_text("Export all of Stillwater Practice")
        expect(tab.locator("progress")).to_have_attribute("value", "25")
        expect(tab.get_by_text("120 of 480 records")).to_be_visible()
        shot(tab, "running")
        tab.get_by_role("button", name="Cancel").click()
        expect(tab.get_by_text("Export cancelled")).to_be_visible()
        tab.get_by_text("FHIR R4").click()
        tab.get_by_role("button", name="Start the export").click()
        expect(tab.get_by_text("Ready to download")).to_be_visible()
        shot(tab, "ready")
        with tab.expect_download() as download:
            tab.get_by_role("button", name="Download", exact=True).click()
        target = tmp_path / download.value.suggested_filename
        download.value.save_as(target)
        saved.append(target)

    in_browser(live_server.url, script)
    running.refresh_from_db()
    assert running.status == JobStatus.CANCELLED
    names = zipfile.ZipFile(saved[0]).namelist()
    assert saved[0].name.startswith("sacrum-stillwater") and "Patient.ndjson" in names
