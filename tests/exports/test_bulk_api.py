"""FHIR Bulk Data ``$export`` for an owner's token: kick-off, status, manifest, files,
cancel; bad parameters are a 400 OperationOutcome; only owners; every step audited."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.test import Client as HttpClient
from django.utils import timezone

from sacrum.access.models import AuditEntry
from sacrum.access.tokens import create_token
from sacrum.charting.models import SessionNote
from sacrum.clients.models import Client
from sacrum.exports.fhir.validation import validate
from sacrum.exports.models import ExportJob, JobStatus
from tests.conftest import Persona

KICK_OFF = "/api/v1/fhir/$export"


def token_client(persona: Persona, **headers: str) -> HttpClient:
    _token, raw = create_token(actor=persona.actor, name="bulk")
    return HttpClient(headers={"Authorization": f"Bearer {raw}", **headers})


def async_client(persona: Persona) -> HttpClient:
    return token_client(persona, Prefer="respond-async", Accept="application/fhir+json")


def test_kick_off_status_manifest_and_files(
    owner: Persona, charted: tuple[Client, SessionNote]
) -> None:
    client, _note = charted
    http = async_client(owner)
    started = http.get(KICK_OFF)
    assert started.status_code == 202
    assert started.json()["resourceType"] == "OperationOutcome"
    status_url = started["Content-Location"]
    assert status_url.startswith("http://testserver/api/v1/fhir/$export-status/")

    done = http.get(status_url)  # the test backend runs the job at once
    assert done.status_code == 200 and done["Expires"]
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["request"] == "http://testserver/api/v1/fhir/$export"
    types = [o["type"] for o in manifest["output"]]
    assert {"Organization", "Patient", "Encounter", "Observation", "DocumentReference"} <= set(
        types
    )
    for output in manifest["output"]:
        assert HttpClient().get(output["url"]).status_code == 401  # the token is needed
        answer = http.get(output["url"])
        assert answer.status_code == 200
        assert answer["Content-Type"] == "application/fhir+ndjson"
        lines = b"".join(answer.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
        assert len(lines) == output["count"]
        for line in lines:
            resource = json.loads(line)
            assert resource["resourceType"] == output["type"]
            validate(resource)

    # Audited: who started it and each file fetched; ids and types only, no content.
    entries = AuditEntry.objects.filter(clinic=owner.clinic, action="export")
    kinds = sorted({e.object_type for e in entries})
    assert kinds == ["clinic_export", "clinic_export_file"]
    assert all(e.actor_id == owner.user.pk and e.via == "api" for e in entries)
    assert not entries.filter(object_id=str(client.pk)).exists()


def test_type_filter_and_bad_parameters(owner: Persona, charted: Any) -> None:
    http = async_client(owner)
    started = http.get(KICK_OFF, {"_type": "Patient,Consent", "_since": "2000-01-01T00:00:00Z"})
    assert started.status_code == 202
    manifest = http.get(started["Content-Location"]).json()
    assert [o["type"] for o in manifest["output"]] == ["Patient", "Consent"]

    for params, words in (
        ({"_type": "Patient,Medication"}, "Medication"),
        ({"_since": "yesterday"}, "_since"),
        ({"_since": "2026-01-01T00:00:00"}, "time zone"),
        ({"_since": "0001-01-01T00:00:00+01:00"}, "between 1900-01-01"),
        ({"_outputFormat": "text/csv"}, "_outputFormat"),
    ):
        refused = http.get(KICK_OFF, params)
        assert refused.status_code == 400, params
        body = refused.json()
        assert body["resourceType"] == "OperationOutcome"
        assert words in body["issue"][0]["diagnostics"]
    without_prefer = token_client(owner).get(KICK_OFF)
    assert without_prefer.status_code == 400
    assert "respond-async" in without_prefer.json()["issue"][0]["diagnostics"]
    assert ExportJob.objects.count() == 1  # refusals start nothing


def test_a_running_export_reports_progress_and_can_be_cancelled(owner: Persona) -> None:
    job = ExportJob.objects.create(
        clinic=owner.clinic,
        requested_by=owner.member,
        format="fhir",
        channel="api",
        status=JobStatus.RUNNING,
        done_count=40,
        total_count=160,
        created_at=timezone.now(),
        started_at=timezone.now(),
    )
    http = async_client(owner)
    url = f"/api/v1/fhir/$export-status/{job.pk}"
    running = http.get(url)
    assert running.status_code == 202
    assert running["X-Progress"] == "25% (40 of 160 records)"
    assert http.delete(url).status_code == 202
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert http.get(url).status_code == 404


def test_too_many_open_exports_is_429(owner: Persona) -> None:
    for _ in range(3):
        ExportJob.objects.create(
            clinic=owner.clinic, format="fhir", channel="api", created_at=timezone.now()
        )
    refused = async_client(owner).get(KICK_OFF)
    assert refused.status_code == 429 and refused["Retry-After"]
    assert refused.json()["resourceType"] == "OperationOutcome"


def test_only_owners_of_the_clinic(
    owner: Persona,
    practitioner: Persona,
    front_desk: Persona,
    outsider: Persona,
    charted: Any,
    api: Callable[[Persona], Any],
) -> None:
    for persona in (practitioner, front_desk):
        assert async_client(persona).get(KICK_OFF).status_code == 403
    started = async_client(owner).get(KICK_OFF)
    status_url = started["Content-Location"]
    manifest = async_client(owner).get(status_url).json()
    stranger = async_client(outsider)
    assert stranger.get(status_url).status_code == 404
    assert stranger.delete(status_url).status_code == 404
    assert stranger.get(manifest["output"][0]["url"]).status_code == 404
    assert async_client(practitioner).get(manifest["output"][0]["url"]).status_code == 403
