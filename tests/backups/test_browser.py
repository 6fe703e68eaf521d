"""In Chromium: an owner finds Backups in the menu and reads the last good backup and a failure."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sacrum.web.periodic import run_ticks
from tests.browser.conftest import Shots
from tests.outcomes.test_browser import in_browser, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    folder = Path(
        os.environ.get("SACRUM_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="sacrum-shots-")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder, request.node.name)


def test_owner_reads_the_backup_status(
    live_server: Any, owner: Any, settings: Any, tmp_path: Path, shot: Shots
) -> None:
    folder = tmp_path / "backups"
    settings.BACKUP_DIR, settings.BACKUP_EVERY_HOURS, settings.BACKUP_KEEP = folder, 24, 7
    now = timezone.now()
    run_ticks(now - dt.timedelta(days=1))
    folder.rename(tmp_path / "elsewhere")
    folder.write_text("a file where the folder should be")
    run_ticks(now)

    def script(tab: Any) -> None:
        sign_in(tab, owner.user.email)
        tab.get_by_role("link", name="Backups").click()
        expect(tab.locator("h1")).to_have_text("Backups")
        expect(tab.locator("section[aria-labelledby=h-last] dl")).to_contain_text("sacrum-backup-")
        expect(tab.get_by_role("alert")).to_contain_text("1 failed")
        expect(tab.locator("tbody tr")).to_have_count(2)
        shot(tab, "backup-status")
        tab.locator("#h-recent").scroll_into_view_if_needed()
        expect(tab.locator("tbody tr").first).to_contain_text("Failed")
        shot(tab, "recent-runs")

    in_browser(live_server.url, script)
    assert shot.taken
