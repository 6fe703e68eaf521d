"""Writes of the import: store an upload, choose how to read it, run a dry run or an
import, keep the report. Only an owner imports (``clinic.manage``).

Small files run at once, in the request (up to ``SYNC_ROWS`` rows); larger ones are a
background job for ``sacrum worker``, which updates the run's progress as it goes.
The uploaded file is deleted when the import (not the dry run) has finished, and by the
periodic tick a day after an upload nobody imported.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.clinics.models import Clinic
from sacrum.imports import fhir
from sacrum.imports.engine import Importer, Report, feed
from sacrum.imports.layouts import FIELDS, LAYOUTS, Mapping, detect, mapping_for, missing
from sacrum.imports.models import ImportRun, ImportUpload, Kind, RunStatus
from sacrum.imports.sources import (
    UnreadableFile,
    count_rows,
    csv_rows,
    fhir_resources,
    is_fhir,
    read_header,
)
from sacrum.imports.values import DATE_ORDERS
from sacrum.imports.writer import import_session
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.permissions import require

FOLDER = "imports"
SYNC_ROWS = 5000
MAX_UPLOAD_BYTES = 500 * 1024 * 1024
UPLOAD_KEEP = dt.timedelta(days=1)


def mapping_json(mapping: Mapping) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in mapping.items()}


def describe_file(
    path: Path, kind: str | None = None
) -> tuple[str, str, list[str], dict[str, Any]]:
    """(kind, layout, columns, mapping) as the file's first line suggests."""
    if kind == Kind.FHIR or (kind in (None, "") and is_fhir(path)):
        return Kind.FHIR, "", [], {}
    columns = read_header(path)
    found = detect(columns, kind or None)
    if found is None:
        return kind or Kind.CLIENTS, "", columns, {}
    return found.kind, found.layout, columns, mapping_json(found.mapping)


def store_upload(
    *,
    actor: StaffActor,
    file: UploadedFile[bytes],
    kind: str = "",
    layout: str = "",
    source_system: str = "",
    date_order: str = "",
) -> ImportUpload:
    """Keep the file in the private storage and note how to read it (detected unless given)."""
    require(actor, "clinic.manage")
    if file.size and file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"file": "The file is larger than 500 MB; split it and import the parts."}
        )
    name = default_storage.save(f"{FOLDER}/{uuid.uuid4().hex}.upload", file)
    path = Path(default_storage.path(name))
    try:
        found_kind, found_layout, columns, mapping = describe_file(path, kind or None)
    except UnreadableFile as exc:
        default_storage.delete(name)
        raise ValidationError({"file": str(exc)}) from None
    if layout and layout in LAYOUTS and found_kind != Kind.FHIR:
        found_layout = layout
        mapping = layout_mapping(layout, found_kind, columns)
    chosen = LAYOUTS.get(found_layout)
    upload = ImportUpload.objects.create(
        clinic=actor.member.clinic,
        uploaded_by=actor.user,
        storage_name=name,
        original_name=(file.name or "")[:200],
        size=file.size or 0,
        columns=columns,
        kind=found_kind,
        layout=found_layout,
        source_system=(
            source_system
            or (
                chosen.label.split(" (")[0]
                if chosen
                else "FHIR"
                if found_kind == Kind.FHIR
                else "Other system"
            )
        )[:60],
        mapping=mapping,
        date_order=date_order
        if date_order in DATE_ORDERS
        else (chosen.date_order if chosen else "ymd"),
    )
    audit.record(actor, AuditAction.CREATE, upload)
    return upload


def layout_mapping(layout: str, kind: str, columns: list[str]) -> dict[str, Any]:
    """The columns a named layout reads for ``kind`` (the owner chose the layout)."""
    return mapping_json(mapping_for(LAYOUTS[layout], kind, columns))


def choose_mapping(
    *,
    actor: StaffActor,
    upload: ImportUpload,
    kind: str,
    mapping: dict[str, Any],
    source_system: str,
    date_order: str,
) -> ImportUpload:
    """The owner's own mapping: every column must be in the file; the needed fields present."""
    require(actor, "clinic.manage")
    if kind not in FIELDS and kind != Kind.FHIR:
        raise ValidationError({"kind": "Choose what the file holds."})
    if kind != Kind.FHIR:
        clean = validate_mapping(kind, mapping, upload.columns)
        upload.mapping = clean
    upload.kind = kind
    upload.source_system = source_system.strip()[:60] or upload.source_system
    if date_order not in DATE_ORDERS:
        raise ValidationError({"date_order": "Choose how the file writes dates."})
    upload.date_order = date_order
    upload.save(update_fields=["mapping", "kind", "source_system", "date_order"])
    return upload


def validate_mapping(kind: str, mapping: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for field, column in mapping.items():
        if field not in FIELDS[kind]:
            raise ValidationError({field: f"“{field}” is not a field of {kind}."})
        names = [column] if isinstance(column, str) else list(column)
        names = [n for n in names if n]
        if not names:
            continue
        absent = [n for n in names if n not in columns]
        if absent:
            raise ValidationError({field: f"The file has no column “{absent[0]}”."})
        clean[field] = names[0] if len(names) == 1 else names
    lacking = missing(kind, clean)
    if lacking:
        labels = ", ".join(FIELDS[kind][f].lower() for f in lacking)
        raise ValidationError({lacking[0]: f"Choose a column for: {labels}."})
    return clean


def upload_path(upload: ImportUpload) -> Path:
    return Path(default_storage.path(upload.storage_name))


def start_run(*, actor: StaffActor, upload: ImportUpload, dry_run: bool) -> ImportRun:
    """A dry run or the import of an upload: at once when small, else by the worker."""
    require(actor, "clinic.manage")
    if not upload.has_file:
        raise ValidationError({"file": "This file has been imported and deleted; upload it again."})
    if upload.kind != Kind.FHIR:
        validate_mapping(upload.kind, upload.mapping, upload.columns)
    path = upload_path(upload)
    total = count_rows(path) if upload.kind != Kind.FHIR else 0
    run = ImportRun.objects.create(
        clinic=upload.clinic,
        upload=upload,
        started_by=actor.user,
        kind=upload.kind,
        source_system=upload.source_system,
        dry_run=dry_run,
        rows_total=total,
    )
    audit.record(actor, AuditAction.CREATE, run)
    if total <= SYNC_ROWS:
        execute(run.pk)
        run.refresh_from_db()
    else:
        from sacrum.imports.tasks import run_import

        transaction.on_commit(lambda: run_import.enqueue(run_id=str(run.pk)))
    return run


def execute(run_id: Any) -> ImportRun:
    """Run a queued run to the end (the worker's job, or at once for a small file)."""
    run = ImportRun.objects.select_related("upload", "clinic", "started_by").get(pk=run_id)
    if run.status != RunStatus.QUEUED:
        return run
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    upload = run.upload
    assert upload is not None
    try:
        report = import_path(
            clinic=run.clinic,
            path=upload_path(upload),
            kind=upload.kind,
            mapping=upload.mapping,
            source_system=upload.source_system,
            date_order=upload.date_order,
            dry_run=run.dry_run,
            run=run,
        )
    except UnreadableFile as exc:
        _finish(run, None, failure=str(exc))
    except Exception:
        _finish(
            run,
            None,
            failure="The import stopped on an unexpected error; nothing after the last finished batch was written.",
        )
        raise
    else:
        _finish(run, report)
    finally:
        if not run.dry_run:
            delete_file(upload)
    return run


def delete_file(upload: ImportUpload) -> None:
    if upload.storage_name:
        default_storage.delete(upload.storage_name)
    ImportUpload.objects.filter(pk=upload.pk).update(file_deleted_at=timezone.now())


def _finish(run: ImportRun, report: Report | None, failure: str = "") -> None:
    run.finished_at = timezone.now()
    if report is None:
        run.status = RunStatus.FAILED
        run.failure = failure[:300]
    else:
        run.status = RunStatus.DONE
        run.rows_done = report.rows_done
        run.created = sum(report.created.values())
        run.created_by_kind = dict(report.created)
        run.skipped = report.skipped
        run.conflicts = report.conflicts
        run.errors = report.errors
        run.problems = [
            {"row": p.row, "outcome": p.outcome, "message": p.message}
            for p in sorted(report.problems, key=lambda p: p.row)
        ]
        run.preview = [list(p) for p in report.preview]
    run.save()


def import_file(
    *,
    actor: StaffActor,
    file: UploadedFile[bytes],
    dry_run: bool,
    kind: str = "",
    layout: str = "",
    source_system: str = "",
    date_order: str = "",
    mapping: dict[str, Any] | None = None,
) -> ImportRun:
    """The API's one step: keep the file, read it as told (or as its header suggests), and
    dry-run or import it. Anything wrong with the request is refused before anything is
    kept (no upload, run, file or audit entry); the rows' own problems are the report's."""
    require(actor, "clinic.manage")
    if kind and kind not in Kind.values:
        raise ValidationError({"kind": "Choose clients, appointments, notes or fhir."})
    if layout and layout not in LAYOUTS:
        raise ValidationError({"layout": f"Choose one of {', '.join(LAYOUTS)}."})
    if date_order and date_order not in DATE_ORDERS:
        raise ValidationError({"date_order": f"Choose one of {', '.join(DATE_ORDERS)}."})
    kept: list[str] = []
    try:
        with transaction.atomic():
            upload = store_upload(
                actor=actor,
                file=file,
                kind=kind,
                layout=layout,
                source_system=source_system,
                date_order=date_order,
            )
            kept.append(upload.storage_name)
            if upload.kind != Kind.FHIR and (mapping is not None or not upload.mapping):
                if not mapping:
                    raise ValidationError(
                        {
                            "mapping": "The header row matches no known layout: send a mapping "
                            '({"field": "Column"}) or a layout.'
                        }
                    )
                choose_mapping(
                    actor=actor,
                    upload=upload,
                    kind=upload.kind,
                    mapping=mapping,
                    source_system=upload.source_system,
                    date_order=upload.date_order,
                )
            run = start_run(actor=actor, upload=upload, dry_run=dry_run)
    except ValidationError:
        for name in kept:
            default_storage.delete(name)
        raise
    if run.dry_run and run.finished:
        delete_file(upload)  # nothing can apply an API dry run's upload later
    return run


def import_path(
    *,
    clinic: Clinic,
    path: Path,
    kind: str,
    mapping: dict[str, Any],
    source_system: str,
    date_order: str,
    dry_run: bool,
    run: ImportRun | None = None,
    progress: Callable[[int], None] | None = None,
    background: bool | None = None,
) -> Report:
    """Read the file and import (or dry-run) every row; the report of what happened.

    ``background``: write on a second connection while reading (default: when no
    transaction of this connection is open, which a second connection could not see)."""
    if run is not None and progress is None:
        run_pk = run.pk

        def progress(done: int) -> None:
            ImportRun.objects.filter(pk=run_pk).update(rows_done=done)

    importer = Importer(
        clinic=clinic,
        source_system=source_system,
        dry_run=dry_run,
        date_order=date_order,
        run_id=None if run is None or dry_run else run.pk,
        user_id=run.started_by_id if run is not None else None,
        progress=progress,
        where="entry" if kind == Kind.FHIR else "row",
        background=background,
    )
    with import_session(connection):
        try:
            if kind == Kind.FHIR:
                patients, appointments, errors = fhir.read(fhir_resources(path))
                for number, message in errors:
                    importer.problem(number, "error", message)
                    importer.count_row()
                feed(importer, "clients", patients)
                importer.flush()
                feed(importer, "appointments", appointments)
            else:
                feed(importer, kind, csv_rows(path, mapping))
            return importer.finish()
        finally:
            importer.close()  # what was handed to the writer is written, then it stops


def import_for_command(
    *,
    actor: StaffActor,
    path: Path,
    kind: str,
    mapping: dict[str, Any],
    source_system: str,
    date_order: str,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportRun:
    """``sacrum import``: the file stays where it is; the run and its report are kept."""
    require(actor, "clinic.manage")
    if kind != Kind.FHIR:
        mapping = validate_mapping(kind, mapping, read_header(path))
    run = ImportRun.objects.create(
        clinic=actor.member.clinic,
        started_by=actor.user,
        kind=kind,
        source_system=source_system,
        dry_run=dry_run,
        status=RunStatus.RUNNING,
        rows_total=count_rows(path) if kind != Kind.FHIR else 0,
    )
    audit.record(actor, AuditAction.CREATE, run)
    try:
        report = import_path(
            clinic=actor.member.clinic,
            path=path,
            kind=kind,
            mapping=mapping,
            source_system=source_system,
            date_order=date_order,
            dry_run=dry_run,
            run=run,
            progress=progress,
        )
    except UnreadableFile as exc:
        _finish(run, None, failure=str(exc))
    else:
        _finish(run, report)
    return run


def forget_stale_uploads(now: dt.datetime) -> int:
    """Files uploaded more than a day ago and never imported are deleted."""
    stale = ImportUpload.objects.filter(
        file_deleted_at__isnull=True, uploaded_at__lt=now - UPLOAD_KEEP
    ).exclude(storage_name="")
    removed = 0
    for upload in stale:
        if upload.runs.filter(status__in=(RunStatus.QUEUED, RunStatus.RUNNING)).exists():
            continue
        delete_file(upload)
        removed += 1
    return removed


def discard_upload(*, actor: StaffActor, upload: ImportUpload) -> None:
    """The owner changed their mind: the file goes, the reports of its dry runs stay."""
    require(actor, "clinic.manage")
    delete_file(upload)
    audit.record(actor, AuditAction.DELETE, upload)
