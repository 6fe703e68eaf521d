"""The worker's scheduled backups: once per interval, pruned to the newest N, each recorded;
the owners' page shows the last good one and the failures since."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from sacrum.backups.models import BackupRun, RunState
from sacrum.web.periodic import run_ticks
from tests.conftest import Persona

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def schedule(settings: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "backups"
    settings.BACKUP_DIR = folder
    settings.BACKUP_EVERY_HOURS = 6
    settings.BACKUP_KEEP = 2
    return folder


def test_the_worker_backs_up_once_per_interval_and_keeps_the_newest(
    owner: Persona, schedule: Path
) -> None:
    start = timezone.now()
    first = run_ticks(start)
    assert first["backups"] == {"backup": "ok"}
    assert run_ticks(start + dt.timedelta(minutes=1))["backups"] == {}  # same interval
    for hours in (6, 12):
        assert run_ticks(start + dt.timedelta(hours=hours))["backups"] == {"backup": "ok"}
    runs = list(BackupRun.objects.order_by("started_at"))
    assert [r.state for r in runs] == [RunState.OK] * 3
    kept = sorted(p.name for p in schedule.iterdir())
    assert kept == sorted(r.file_name for r in runs[1:])  # the oldest was pruned
    assert all(r.size_bytes and r.size_bytes > 1000 for r in runs)


def test_a_failed_backup_is_recorded_without_stopping_the_tick(
    owner: Persona, schedule: Path
) -> None:
    schedule.parent.mkdir(parents=True, exist_ok=True)
    schedule.write_text("a file where the folder should be")
    result = run_ticks(timezone.now())
    assert result["backups"] == {"backup": "failed"}
    run = BackupRun.objects.get()
    assert run.state == RunState.FAILED and run.finished_at is not None
    assert run.error.startswith(("FileExistsError", "NotADirectoryError"))


def test_owners_see_the_last_good_backup_and_failures_since(
    owner: Persona, practitioner: Persona, schedule: Path, browser_as: Any
) -> None:
    now = timezone.now()
    run_ticks(now)
    good = BackupRun.objects.get()
    schedule.rename(schedule.with_name("moved"))
    schedule.write_text("not a folder")
    run_ticks(now + dt.timedelta(hours=6))
    page = browser_as(owner).get(reverse("web:backup_status"))
    assert page.status_code == 200
    text = page.content.decode()
    assert good.file_name in text and "1 failed</span> since the last successful one" in text
    assert "every <strong>6 hours</strong>" in text
    dashboard = browser_as(owner).get(reverse("web:dashboard")).content.decode()
    assert f'href="{reverse("web:backup_status")}"' in dashboard
    assert browser_as(practitioner).get(reverse("web:backup_status")).status_code == 403


def test_no_backup_yet_says_so(owner: Persona, browser_as: Any, settings: Any) -> None:
    settings.BACKUP_EVERY_HOURS = 0
    text = browser_as(owner).get(reverse("web:backup_status")).content.decode()
    assert "No backup of this server has succeeded yet." in text
    assert "Scheduled backups are off" in text


def test_sacrum_backup_records_its_run(owner: Persona, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("backup", str(tmp_path / "by-hand.tar.gz"), stdout=out)
    assert "NOT encrypted" in out.getvalue()
    run = BackupRun.objects.get()
    assert run.state == RunState.OK and run.file_name == "by-hand.tar.gz"
    assert (tmp_path / "by-hand.tar.gz").stat().st_size == run.size_bytes
    assert HttpClient().get(reverse("web:backup_status")).status_code == 302  # sign in first
