"""The owner's import pages: upload, mapping, dry run, import; nobody else's."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient

from sacrum.charting.models import ImportedNote
from sacrum.clients.models import Client
from sacrum.imports import services
from sacrum.imports.models import ImportRun, ImportUpload, RunStatus
from sacrum.kernel.errors import Locked
from tests.conftest import Persona
from tests.imports.helpers import DATA, run

pytestmark = pytest.mark.django_db

Browser = Callable[[Persona], HttpClient]


def upload(http: HttpClient, name: str, **extra: str) -> str:
    data = (DATA / name).read_bytes()
    response = http.post(
        "/clinic/import/", {"file": SimpleUploadedFile(name, data, "text/csv"), **extra}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"])


def test_owner_uploads_checks_dry_runs_then_imports(ready: Persona, browser_as: Browser) -> None:
    http = browser_as(ready)
    mapping_page = upload(http, "jane_patients.csv")
    page = http.get(mapping_page).content.decode()
    assert (
        "matches Sacrum&#x27;s <strong>Jane</strong> layout" in page
        or "<strong>Jane</strong>" in page
    )
    form = {
        "kind": "clients",
        "source_system": "Jane",
        "date_order": "ymd",
        "map_source_id": "Patient Number",
        "map_first_name": "First Name",
        "map_last_name": "Last Name",
        "map_preferred_name": "Preferred Name",
        "map_date_of_birth": "Birth Date",
        "map_email": "Email",
        "action": "dry_run",
    }
    response = http.post(mapping_page, form)
    assert response.status_code == 302
    report = http.get(response["Location"]).content.decode()
    assert "date of birth &#x27;1992-02-30&#x27; is not a date" in report
    assert "Import now" in report
    assert not Client.objects.filter(clinic=ready.clinic).exists()
    upload_row = ImportUpload.objects.get()
    stored = Path(upload_row.storage_name)
    assert upload_row.has_file
    response = http.post(f"/clinic/import/{upload_row.pk}/import")
    assert response.status_code == 302
    report = http.get(response["Location"]).content.decode()
    assert "The uploaded file has been deleted" in report
    assert Client.objects.filter(clinic=ready.clinic).count() == 3
    upload_row.refresh_from_db()
    assert not upload_row.has_file
    assert not default_storage.exists(str(stored))
    # Client data is never in the URL.
    assert re.fullmatch(r"/clinic/import/runs/[0-9a-f-]{36}/", str(response["Location"]))


def test_a_file_of_no_known_layout_is_mapped_by_hand(ready: Persona, browser_as: Browser) -> None:
    http = browser_as(ready)
    mapping_page = upload(http, "unknown_layout.csv", kind="clients")
    page = http.get(mapping_page).content.decode()
    assert "matches no known layout" in page
    refused = http.post(
        mapping_page,
        {"kind": "clients", "source_system": "Agenda", "date_order": "ymd", "map_last_name": "Nom"},
    )
    assert refused.status_code == 200
    assert "Choose a column for: first name, date of birth." in refused.content.decode()
    response = http.post(
        mapping_page,
        {
            "kind": "clients",
            "source_system": "Agenda",
            "date_order": "ymd",
            "map_last_name": "Nom",
            "map_first_name": "Prénom",
            "map_date_of_birth": "Naissance",
        },
    )
    assert response.status_code == 302
    dry = ImportRun.objects.get()
    assert (dry.dry_run, dry.created) == (True, 2)


@pytest.mark.parametrize("who", ["practitioner", "front_desk"])
def test_only_owners_import(
    ready: Persona, browser_as: Browser, request: pytest.FixtureRequest, who: str
) -> None:
    persona: Persona = request.getfixturevalue(who)
    http = browser_as(persona)
    assert http.get("/clinic/import/").status_code == 403
    data = (DATA / "jane_patients.csv").read_bytes()
    response = http.post("/clinic/import/", {"file": SimpleUploadedFile("p.csv", data)})
    assert response.status_code == 403
    assert not ImportUpload.objects.exists()


def test_another_clinics_report_is_not_found(
    ready: Persona, outsider: Persona, browser_as: Browser
) -> None:
    upload(browser_as(ready), "jane_patients.csv")
    stored = ImportUpload.objects.get()
    http = browser_as(outsider)
    assert http.get(f"/clinic/import/{stored.pk}/").status_code == 404
    assert http.post(f"/clinic/import/{stored.pk}/import").status_code == 404


def test_imported_notes_show_on_the_chart_under_their_system(
    ready: Persona, browser_as: Browser
) -> None:
    run(ready, "generic_clients.csv")
    run(ready, "generic_notes.csv", source_system="Generic")
    selma = Client.objects.get(last_name="Haverkamp")
    page = browser_as(ready).get(f"/clients/{selma.pk}/chart/").content.decode()
    assert "Imported from Generic" in page
    assert "Client reports tension headaches three times a week." in page
    assert "By Dr Alma Reyes (former clinic)" in page


def test_imported_notes_are_read_only(ready: Persona) -> None:
    run(ready, "generic_clients.csv")
    run(ready, "generic_notes.csv")
    note = ImportedNote.objects.first()
    assert note is not None
    note.text = "changed"
    with pytest.raises(Locked):
        note.save()
    with pytest.raises(Locked):
        ImportedNote.objects.filter(pk=note.pk).update(text="changed")


def test_a_large_file_is_imported_by_the_worker(
    ready: Persona,
    browser_as: Browser,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(services, "SYNC_ROWS", 2)
    http = browser_as(ready)
    upload(http, "jane_patients.csv")
    stored = ImportUpload.objects.get()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        run = services.start_run(actor=ready.actor, upload=stored, dry_run=False)
        assert run.status == RunStatus.QUEUED
        waiting = http.get(f"/clinic/import/runs/{run.pk}/").content.decode()
        assert "0 of 5 rows" in waiting
    assert len(queued) == 1
    run.refresh_from_db()
    assert (run.status, run.created, run.rows_done) == (RunStatus.DONE, 3, 5)
    stored.refresh_from_db()
    assert not stored.has_file
