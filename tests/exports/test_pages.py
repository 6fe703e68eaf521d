"""The owner's export page: start, progress, a download link that expires and opens only
this clinic's export for an owner, cancel; the worker's tick deletes expired files;
the command line writes a folder or a zip."""

from __future__ import annotations

import datetime as dt
import io
import json
import pathlib
import zipfile
from collections.abc import Callable
from typing import Any

import time_machine
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse

from sacrum.access.models import AuditEntry
from sacrum.exports.fhir.validation import validate
from sacrum.exports.models import ExportFile, ExportJob, JobStatus
from sacrum.exports.periodic import tick
from sacrum.exports.storage import archive_of, folder_of
from tests.conftest import Persona

Browser = Callable[[Persona], HttpClient]


def start(http: HttpClient, fmt: str = "fhir") -> ExportJob:
    answer = http.post(reverse("web:export_home"), {"format": fmt})
    assert answer.status_code == 302
    job = ExportJob.objects.order_by("-created_at").first()
    assert job is not None
    return job


def test_owner_starts_an_export_and_downloads_the_zip(
    owner: Persona, charted: Any, browser_as: Browser
) -> None:
    http = browser_as(owner)
    home = http.get("/").content.decode()
    assert reverse("web:export_home") in home  # reachable from the owner's menu
    job = start(http)
    assert job.status == JobStatus.DONE  # the test backend runs the job at once
    page = http.get(reverse("web:export_home")).content.decode()
    assert "Ready to download" in page and ">Download<" in page

    link = http.post(reverse("web:export_link", args=[job.pk]))
    assert link.status_code == 302
    url = link["Location"]
    assert str(job.pk) not in url and url.startswith("/exports/download/")
    download = http.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    content = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = archive.namelist()
    assert "Patient.ndjson" in names and "DocumentReference.ndjson" in names
    for name in names:
        for line in archive.read(name).decode().splitlines():
            validate(json.loads(line))
    stored = ExportJob.objects.get(pk=job.pk)
    assert stored.token_digest and stored.token_digest not in url  # only a digest is kept

    kinds = set(
        AuditEntry.objects.filter(clinic=owner.clinic, action="export").values_list(
            "object_type", flat=True
        )
    )
    assert kinds == {"clinic_export", "clinic_export_download"}


def test_the_link_is_for_an_owner_of_the_same_clinic_and_expires(
    owner: Persona,
    practitioner: Persona,
    outsider: Persona,
    charted: Any,
    browser_as: Browser,
    clock: time_machine.Traveller,
) -> None:
    http = browser_as(owner)
    job = start(http)
    url = http.post(reverse("web:export_link", args=[job.pk]))["Location"]
    assert browser_as(outsider).get(url).status_code == 404
    assert browser_as(practitioner).get(url).status_code == 403
    assert browser_as(practitioner).get(reverse("web:export_home")).status_code == 403
    assert HttpClient().get(url).status_code == 302  # to the sign-in page
    clock.shift(dt.timedelta(hours=1, minutes=1))  # a link lives an hour
    http = browser_as(owner)
    assert http.get(url).status_code == 404
    fresh = http.post(reverse("web:export_link", args=[job.pk]))["Location"]
    assert http.get(url).status_code == 404  # a new link replaces the old one
    assert http.get(fresh).status_code == 200


def test_the_worker_deletes_expired_exports(
    owner: Persona, charted: Any, browser_as: Browser
) -> None:
    http = browser_as(owner)
    job = start(http)
    assert archive_of(job).exists()
    assert job.expires_at is not None
    assert tick(job.expires_at - dt.timedelta(minutes=1)) == {"exports_expired": 0}
    assert tick(job.expires_at) == {"exports_expired": 1}
    job.refresh_from_db()
    assert job.status == JobStatus.EXPIRED and not folder_of(job).exists()
    assert not ExportFile.objects.filter(job=job).exists()
    assert "Expired" in http.get(reverse("web:export_home")).content.decode()
    assert http.post(reverse("web:export_link", args=[job.pk])).status_code == 302


def test_cancel_deletes_the_files(owner: Persona, charted: Any, browser_as: Browser) -> None:
    http = browser_as(owner)
    job = start(http)
    assert http.post(reverse("web:export_cancel", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and not folder_of(job).exists()


def test_the_command_writes_a_folder_or_a_zip(
    owner: Persona, charted: Any, tmp_path: pathlib.Path, capsys: Any
) -> None:
    slug = owner.clinic.slug
    call_command("export", "--clinic", slug, "--format", "fhir", "--output", str(tmp_path / "out"))
    said = capsys.readouterr().out
    assert "Patient.ndjson: 1 lines" in said and "Exported Stillwater Practice" in said
    for path in (tmp_path / "out").glob("*.ndjson"):
        for line in path.read_text().splitlines():
            validate(json.loads(line))
    call_command(
        "export", "--clinic", slug, "--format", "fhir", "--output", str(tmp_path / "a.zip")
    )
    assert "Patient.ndjson" in zipfile.ZipFile(tmp_path / "a.zip").namelist()
    assert (
        AuditEntry.objects.filter(
            clinic=owner.clinic, action="export", via="cli", object_type="clinic_export"
        ).count()
        == 2
    )


def test_the_command_and_the_page_export_csv_as_loose_files_with_their_readme(
    owner: Persona, charted: Any, tmp_path: pathlib.Path, capsys: Any, browser_as: Browser
) -> None:
    slug = owner.clinic.slug
    call_command("export", "--clinic", slug, "--format", "csv", "--output", str(tmp_path / "c.zip"))
    names = zipfile.ZipFile(tmp_path / "c.zip").namelist()
    assert "README.txt" in names and "clients.csv" in names
    assert not [n for n in names if n.endswith(".zip")]  # no zip inside the zip
    assert "clients.csv: 2 lines" in capsys.readouterr().out  # the header and Stillwater's one
    job = start(browser_as(owner), fmt="csv")
    with zipfile.ZipFile(archive_of(job)) as bundle:
        assert {"README.txt", "clients.csv", "session_notes.csv"} <= set(bundle.namelist())
