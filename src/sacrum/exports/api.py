"""FHIR Bulk Data export (``$export``) for an owner's API token, as in the Bulk Data
Access IG v2: kick-off, status (progress, then the manifest), cancel, and the files.

The export covers the whole clinic (a system-level export of one tenant). The files
need the same token (``requiresAccessToken: true``) and expire with the job. Bad
parameters answer 400 with a FHIR OperationOutcome; anything but an owner gets 403.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zipfile
from typing import Any, Literal

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.http import http_date
from ninja import Header, Query, Router, Schema, Status

from sacrum.exports import selectors, services
from sacrum.exports.fhir.bulk import NDJSON, RESOURCE_TYPES, UnknownType, chosen_types
from sacrum.exports.fhir.common import instant
from sacrum.exports.models import Channel, ExportFile, JobStatus
from sacrum.exports.storage import archive_of
from sacrum.kernel.api import actor_of
from sacrum.kernel.bounds import DATE_RANGE_TEXT, sensible
from sacrum.kernel.errors import Conflict
from sacrum.kernel.permissions import require

router = Router(tags=["FHIR bulk export"])

OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
MAX_TYPE_PARAM = 250  # every type joined by commas is ~200 characters
RETRY_AFTER = "10"


class OutcomeIssueOut(Schema):
    severity: Literal["fatal", "error", "warning", "information"]
    code: str
    diagnostics: str


class OperationOutcomeOut(Schema):
    """A FHIR OperationOutcome: why a request was refused, or that a job is under way."""

    resourceType: Literal["OperationOutcome"] = "OperationOutcome"
    issue: list[OutcomeIssueOut]


class BulkOutputOut(Schema):
    type: str
    url: str
    count: int


class BulkManifestOut(Schema):
    """The Bulk Data manifest of a finished export."""

    transactionTime: str
    request: str
    requiresAccessToken: bool
    output: list[BulkOutputOut]
    error: list[BulkOutputOut]


def _file_order(found: ExportFile) -> int:
    """Files in the order they were written: referenced types first."""
    order = (
        RESOURCE_TYPES.index(found.resource_type) if found.resource_type in RESOURCE_TYPES else 99
    )
    return order


def outcome(diagnostics: str, *, severity: str = "error", code: str = "invalid") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }


def _types(raw: str | None) -> list[str]:
    if not raw:
        return []
    if len(raw) > MAX_TYPE_PARAM:
        raise UnknownType("_type is too long")
    names = [t.strip() for t in raw.split(",") if t.strip()]
    chosen_types(names)
    return names


def _since(raw: str | None) -> dt.datetime | None:
    if not raw:
        return None
    try:
        found = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError("_since must be a FHIR instant, e.g. 2026-01-31T00:00:00Z") from None
    if found.tzinfo is None:
        raise ValueError("_since must carry a time zone (e.g. Z or +01:00)")
    if not sensible(found.date()):
        raise ValueError(f"_since must be {DATE_RANGE_TEXT}")
    return found


NDJSON_RESPONSE = {
    "responses": {
        200: {
            "description": "The file: one FHIR resource per line.",
            "content": {NDJSON: {"schema": {"type": "string"}}},
        }
    }
}


@router.get(
    "/fhir/$export",
    response={202: OperationOutcomeOut, 400: OperationOutcomeOut, 429: OperationOutcomeOut},
    openapi_extra={"x-sacrum-clinical": True},
    url_name="fhir_export",
)
def kick_off(
    request: HttpRequest,
    response: HttpResponse,
    types: str | None = Query(None, alias="_type", max_length=MAX_TYPE_PARAM),  # type: ignore[type-arg]
    since: str | None = Query(None, alias="_since", max_length=40),  # type: ignore[type-arg]
    output_format: str | None = Query(None, alias="_outputFormat", max_length=40),  # type: ignore[type-arg]
    prefer: str | None = Header(None, alias="Prefer", max_length=200),  # type: ignore[type-arg]
) -> Status[dict[str, Any]]:
    """Start a FHIR export of the whole clinic. Send `Prefer: respond-async`; the answer's
    `Content-Location` is the status URL. `_type` (comma-separated) limits the resource
    types, `_since` (an instant) to resources changed after it."""
    actor = actor_of(request)
    require(actor, "data.export")
    if "respond-async" not in (prefer or ""):
        return Status(
            400,
            outcome("Send the header 'Prefer: respond-async': the export runs in the background."),
        )
    if output_format and output_format not in OUTPUT_FORMATS:
        return Status(400, outcome(f"_outputFormat must be one of {', '.join(OUTPUT_FORMATS)}."))
    try:
        chosen = _types(types)
        after = _since(since)
    except ValueError as exc:
        return Status(400, outcome(str(exc)))
    try:
        job = services.start_export(
            actor=actor,
            format="fhir",
            channel=Channel.API,
            types=chosen,
            since=after,
            request_url=request.build_absolute_uri(),
        )
    except Conflict as exc:
        response["Retry-After"] = "60"
        return Status(429, outcome(exc.message, code="too-costly"))
    response["Content-Location"] = request.build_absolute_uri(
        reverse("api:fhir_export_status", kwargs={"export_id": job.pk})
    )
    return Status(
        202, outcome("The export has started.", severity="information", code="informational")
    )


@router.get(
    "/fhir/$export-status/{export_id}",
    response={200: BulkManifestOut, 202: OperationOutcomeOut, 500: OperationOutcomeOut},
    openapi_extra={"x-sacrum-clinical": True},
    url_name="fhir_export_status",
)
def export_status(
    request: HttpRequest, export_id: uuid.UUID, response: HttpResponse
) -> Status[dict[str, Any]]:
    """While it runs: 202 with `X-Progress`. When done: 200 with the manifest, whose file
    URLs need the same token. A failed export: 500 with an OperationOutcome."""
    job = selectors.bulk_job_for(actor_of(request), export_id)
    if job.is_open:
        response["X-Progress"] = (
            f"{job.percent}% ({job.done_count} of {job.total_count} records)"
            if job.status == JobStatus.RUNNING
            else "queued"
        )
        response["Retry-After"] = RETRY_AFTER
        return Status(
            202, outcome("The export is under way.", severity="information", code="informational")
        )
    if job.status != JobStatus.DONE:
        return Status(500, outcome(job.error or "The export failed.", code="exception"))
    assert job.expires_at is not None and job.started_at is not None
    response["Expires"] = http_date(job.expires_at.timestamp())
    return Status(
        200,
        {
            "transactionTime": instant(job.started_at),
            "request": job.request_url or request.build_absolute_uri(reverse("api:fhir_export")),
            "requiresAccessToken": True,
            "output": [
                {
                    "type": f.resource_type,
                    "url": request.build_absolute_uri(
                        reverse("api:fhir_export_file", kwargs={"export_file_id": f.pk})
                    ),
                    "count": f.count,
                }
                for f in sorted(job.files.all(), key=_file_order)
                if f.resource_type
            ],
            "error": [],
        },
    )


@router.delete(
    "/fhir/$export-status/{export_id}",
    response={202: OperationOutcomeOut},
    openapi_extra={"x-sacrum-clinical": True},
    url_name="fhir_export_cancel",
)
def export_cancel(request: HttpRequest, export_id: uuid.UUID) -> Status[dict[str, Any]]:
    """Cancel a running export, or delete a finished one's files now."""
    actor = actor_of(request)
    job = selectors.bulk_job_for(actor, export_id)
    services.cancel_export(actor=actor, job=job)
    return Status(
        202, outcome("The export was cancelled.", severity="information", code="informational")
    )


@router.get(
    "/fhir/$export-files/{export_file_id}",
    response={200: None},
    openapi_extra={"x-sacrum-clinical": True, **NDJSON_RESPONSE},
    url_name="fhir_export_file",
)
def export_file(request: HttpRequest, export_file_id: uuid.UUID) -> HttpResponseBase:
    """One file of a finished export (`application/fhir+ndjson`)."""
    actor = actor_of(request)
    found = selectors.bulk_file_for(actor, export_file_id)
    try:
        archive = zipfile.ZipFile(archive_of(found.job))
        stream = archive.open(found.name)
    except (OSError, KeyError, zipfile.BadZipFile):
        raise Http404("Not found") from None  # pragma: no cover - the worker just expired it
    services.record_download(actor, found.job, found)
    answer = FileResponse(stream, content_type=NDJSON)
    answer["Content-Length"] = str(found.size)
    return answer
