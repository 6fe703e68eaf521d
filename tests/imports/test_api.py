"""The import API: an owner's token sends a file, dry-runs or imports it, reads the report;
bad requests are a 422 that keeps nothing; nobody else imports or reads a report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient

from sacrum.access.models import AuditEntry
from sacrum.access.tokens import create_token
from sacrum.clients.models import Client
from sacrum.imports.models import ImportRun, ImportUpload
from sacrum.scheduling.models import Appointment
from tests.conftest import Persona
from tests.imports.helpers import DATA

pytestmark = pytest.mark.django_db


def token_client(persona: Persona) -> HttpClient:
    _token, raw = create_token(actor=persona.actor, name="import")
    return HttpClient(headers={"Authorization": f"Bearer {raw}"})


def send(http: HttpClient, name: str, **form: Any) -> tuple[int, Any]:
    form.setdefault("dry_run", "true")
    data = (DATA / name).read_bytes() if (DATA / name).exists() else b"\xff\xfe\x00 not text"
    response = http.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile(Path(name).name, data, "text/csv"), **form},
    )
    return response.status_code, response.json()


def kept_files(settings: Any) -> list[Path]:
    folder = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "imports"
    return list(folder.glob("*")) if folder.exists() else []


def test_dry_run_then_import_then_read_the_report(ready: Persona, settings: Any) -> None:
    http = token_client(ready)
    status, dry = send(http, "jane_patients.csv")
    assert status == 201, dry
    assert (dry["dry_run"], dry["status"], dry["layout"]) == (True, "done", "jane")
    assert dry["created_by_kind"] == {"client": 3}
    assert dry["mapping"]["first_name"] == "First Name"
    assert {p["row"]: p["outcome"] for p in dry["problems"]} == {4: "error", 6: "skipped"}
    assert dry["problems"][0]["message"] == "date of birth '1992-02-30' is not a date"
    assert [p["kind"] for p in dry["preview"]] == ["client"] * 3
    assert not Client.objects.filter(clinic=ready.clinic).exists()
    assert kept_files(settings) == []  # an API dry run's file is not kept

    status, done = send(http, "jane_patients.csv", dry_run="false")
    assert status == 201, done
    assert (done["dry_run"], done["created"]) == (False, 3)
    assert Client.objects.filter(clinic=ready.clinic).count() == 3

    response = http.get(f"/api/v1/imports/{done['id']}")
    assert response.status_code == 200
    assert response.json() == done

    status, again = send(http, "jane_patients.csv", dry_run="false")
    assert again["created"] == 0
    assert again["problems"][0] == {
        "row": 2,
        "outcome": "skipped",
        "message": "already imported (id 1001)",
    }


def test_appointments_conflicts_and_fhir_through_the_api(ready: Persona) -> None:
    http = token_client(ready)
    send(http, "jane_patients.csv", dry_run="false")
    status, report = send(http, "jane_appointments.csv", dry_run="false", kind="appointments")
    assert status == 201, report
    outcomes = {p["row"]: p["outcome"] for p in report["problems"]}
    assert outcomes[5] == "conflict"
    assert report["created_by_kind"] == {"appointment": 5, "client": 1}
    assert Appointment.objects.filter(clinic=ready.clinic).count() == 5
    status, fhir = send(http, "fhir_bundle.json", kind="fhir", source_system="Old EHR")
    assert status == 201, fhir
    assert (fhir["kind"], fhir["status"]) == ("fhir", "done")


def test_a_mapping_reads_a_file_of_any_layout(ready: Persona) -> None:
    mapping = {
        "last_name": "Nom",
        "first_name": "Prénom",
        "date_of_birth": "Naissance",
        "email": "Courriel",
    }
    status, report = send(
        token_client(ready),
        "unknown_layout.csv",
        dry_run="false",
        kind="clients",
        source_system="Agenda",
        mapping=json.dumps(mapping),
    )
    assert status == 201, report
    assert report["created"] == 2
    assert report["mapping"] == mapping
    assert Client.objects.get(last_name="Dubois").email == "camille.d@example.test"


@pytest.mark.parametrize(
    ("name", "form", "field"),
    [
        ("unknown_layout.csv", {}, "mapping"),
        ("unknown_layout.csv", {"mapping": "{not json"}, "mapping"),
        ("unknown_layout.csv", {"mapping": '{"first_name": 3}'}, "mapping"),
        ("unknown_layout.csv", {"mapping": '{"first_name": "Vorname"}'}, "first_name"),
        ("unknown_layout.csv", {"mapping": '{"colour": "Nom"}'}, "colour"),
        ("unknown_layout.csv", {"mapping": '{"first_name": "Prénom"}'}, "last_name"),
        ("jane_patients.csv", {"kind": "appointments"}, "mapping"),
        ("jane_patients.csv", {"kind": "appointments", "layout": "jane"}, "start"),
        ("jane_patients.csv", {"layout": "dbase"}, "layout"),
        ("jane_patients.csv", {"date_order": "ydm"}, "date_order"),
        ("not_utf8.csv", {}, "file"),
    ],
)
def test_a_bad_request_is_a_422_and_keeps_nothing(
    ready: Persona, settings: Any, name: str, form: dict[str, str], field: str
) -> None:
    http = token_client(ready)
    audit_before = AuditEntry.objects.count()
    status, body = send(http, name, dry_run="false", **form)
    assert status == 422, body
    assert body["error"]["code"] == "invalid"
    assert field in body["error"]["fields"], body
    assert not ImportUpload.objects.exists()
    assert not ImportRun.objects.exists()
    assert not Client.objects.exists()
    assert kept_files(settings) == []
    assert AuditEntry.objects.count() == audit_before


def test_a_request_without_a_file_is_a_422(ready: Persona) -> None:
    http = token_client(ready)
    response = http.post("/api/v1/imports", {"dry_run": "false"})
    assert response.status_code == 422
    assert "file" in response.json()["error"]["fields"]
    status, body = send(http, "jane_patients.csv", dry_run="")
    assert status == 422
    assert "dry_run" in body["error"]["fields"]
    assert not ImportUpload.objects.exists()


def test_only_owners_import_and_read_reports(
    ready: Persona, practitioner: Persona, front_desk: Persona, outsider: Persona
) -> None:
    for persona in (practitioner, front_desk):
        status, body = send(token_client(persona), "jane_patients.csv", dry_run="false")
        assert status == 403, body
    assert not Client.objects.exists()
    _status, report = send(token_client(ready), "jane_patients.csv")
    for persona, expected in ((practitioner, 403), (outsider, 404)):
        response = token_client(persona).get(f"/api/v1/imports/{report['id']}")
        assert response.status_code == expected
