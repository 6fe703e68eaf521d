"""Import API routes, mounted at /api/v1 by ``sacrum.api.api``: an owner's token (or
session) sends a CSV or FHIR file and gets the per-row report back; a past run's report
can be read again.

Only owners import (``clinic.manage``). A request with anything wrong (an unreadable
file, an unknown field or column in the mapping, a header of no known layout without a
mapping) is a 422 naming the field, and nothing is kept: no upload, no run, no file.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field

from sacrum.imports import selectors, services
from sacrum.imports.models import ImportRun
from sacrum.kernel.api import actor_of
from sacrum.kernel.permissions import require

router = Router(tags=["imports"])

KindName = Literal["clients", "appointments", "notes", "fhir"]
LayoutName = Literal["jane", "cliniko", "simplepractice", "generic"]
DateOrder = Literal["ymd", "dmy", "mdy"]
MAX_MAPPING = 4000


class ImportIn(Schema):
    dry_run: bool = Field(
        description="true: report what would happen and write nothing; false: import."
    )
    kind: KindName | None = Field(
        default=None, description="What the file holds; default: found out from the file."
    )
    layout: LayoutName | None = Field(
        default=None, description="The system's export layout; default: found from the header."
    )
    source_system: str = Field(
        default="",
        max_length=60,
        description="Kept with every imported record (the re-run key); default: the layout's.",
    )
    date_order: DateOrder | None = Field(
        default=None, description="How the file writes dates; default: the layout's."
    )
    mapping: str = Field(
        default="",
        max_length=MAX_MAPPING,
        description=(
            'A JSON object {"field": "Column"} (or ["Date column", "Time column"]): '
            "which column each field is read from, instead of the layout's."
        ),
    )


class ImportProblemOut(Schema):
    row: int = Field(description="The spreadsheet row (the header is row 1), or FHIR entry.")
    outcome: Literal["skipped", "conflict", "error"]
    message: str


class ImportPreviewOut(Schema):
    row: int
    kind: Literal["client", "appointment", "note"]
    label: str


class ImportRunOut(Schema):
    id: uuid.UUID
    kind: KindName
    layout: str
    mapping: dict[str, str | list[str]]
    source_system: str
    dry_run: bool
    status: Literal["queued", "running", "done", "failed"] = Field(
        description="queued/running: a large file, imported by the worker; read it again."
    )
    rows_total: int
    rows_done: int
    created: int
    created_by_kind: dict[str, int]
    skipped: int
    conflicts: int
    errors: int
    problems: list[ImportProblemOut] = Field(description="At most 2 000, in row order.")
    preview: list[ImportPreviewOut] = Field(description="The first 500 records created.")
    failure: str
    started_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def of(run: ImportRun) -> dict[str, Any]:
        upload = run.upload
        return {
            "id": run.pk,
            "kind": run.kind,
            "layout": upload.layout if upload else "",
            "mapping": upload.mapping if upload else {},
            "source_system": run.source_system,
            "dry_run": run.dry_run,
            "status": run.status,
            "rows_total": run.rows_total,
            "rows_done": run.rows_done,
            "created": run.created,
            "created_by_kind": run.created_by_kind,
            "skipped": run.skipped,
            "conflicts": run.conflicts,
            "errors": run.errors,
            "problems": run.problems,
            "preview": [{"row": r, "kind": k, "label": label} for r, k, label in run.preview],
            "failure": run.failure,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
        }


def _mapping(text: str) -> dict[str, Any] | None:
    if not text.strip():
        return None
    try:
        found = json.loads(text)
    except json.JSONDecodeError:
        raise ValidationError({"mapping": "The mapping is not JSON."}) from None
    if not isinstance(found, dict) or not all(
        isinstance(k, str)
        and (
            isinstance(v, str)
            or (isinstance(v, list) and 1 <= len(v) <= 2 and all(isinstance(c, str) for c in v))
        )
        for k, v in found.items()
    ):
        raise ValidationError(
            {"mapping": 'The mapping must be {"field": "Column"} or {"field": ["Date", "Time"]}.'}
        )
    return found


@router.post(
    "/imports",
    response={201: ImportRunOut},
    openapi_extra={"x-sacrum-clinical": True},
    url_name="imports",
)
def start_import(
    request: HttpRequest, payload: Form[ImportIn], file: File[UploadedFile | None] = None
) -> Status[dict[str, Any]]:
    """Upload a CSV (clients, appointments or notes) or a FHIR R4 Bundle/NDJSON (`file`,
    needed) and dry-run or import it. A file of up to 5 000 rows is done when the answer comes (`status`
    done); a larger one is queued for the worker: read `GET /imports/{run_id}` until it is
    done. Re-sending the same file imports nothing twice."""
    actor = actor_of(request)
    require(actor, "clinic.manage")  # before anything about the request is said
    if file is None:
        raise ValidationError({"file": "Send the export file (a multipart field named file)."})
    run = services.import_file(
        actor=actor,
        file=file,
        dry_run=payload.dry_run,
        kind=payload.kind or "",
        layout=payload.layout or "",
        source_system=payload.source_system,
        date_order=payload.date_order or "",
        mapping=_mapping(payload.mapping),
    )
    return Status(201, ImportRunOut.of(run))


@router.get(
    "/imports/{run_id}",
    response=ImportRunOut,
    openapi_extra={"x-sacrum-clinical": True},
    url_name="import_run",
)
def import_report(request: HttpRequest, run_id: uuid.UUID) -> dict[str, Any]:
    """A dry run's or import's report (from the API, the pages or `sacrum import`)."""
    actor = actor_of(request)
    require(actor, "clinic.manage")
    return ImportRunOut.of(selectors.run_for(actor, run_id))
