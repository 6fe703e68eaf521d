"""A whole clinic as CSV: one file per kind of record in a zip, with a README that
explains every column (``csv_columns.KINDS`` is both the plan and the README).

Choices (written in the README too):
- UTF-8 **with** a byte-order mark, so spreadsheet programs open accents and non-Latin
  names correctly; RFC 4180 quoting, CRLF line ends, a header row in every file.
- Times ISO 8601 with the offset, in the clinic's time zone; dates ``YYYY-MM-DD``;
  decimals and numbers as plain text (``75.00``, ``8.5``); true/false; JSON as text.
- Ids are the database's own ids, so files join on ``<thing>_id`` = ``id``.
- Formula injection: a **text** cell starting with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return gets a leading apostrophe (OWASP, "CSV Injection"); so does a
  text cell that already starts with an apostrophe followed by one of those, so
  removing one leading apostrophe from such cells gives the text back exactly.
  Numbers, dates and ids are never changed.

Reads run in chunks by primary key: one query per chunk and file, whatever the size.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import pathlib
import tempfile
import uuid
import zipfile
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from sacrum.clinics.models import Clinic
from sacrum.exports.csv_columns import COMMON, KINDS, NOT_EXPORTED, SECRET_COLUMNS, Kind

CHUNK = 2000
ENCODING = "utf-8-sig"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
README_NAME = "README.txt"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Column:
    name: str
    field: models.Field[Any, Any]
    description: str


def _secret(model: type[models.Model], name: str) -> bool:
    return name in SECRET_COLUMNS or f"{name}@{model._meta.label}" in SECRET_COLUMNS


def _file_of(model: type[models.Model]) -> str:
    return next((k.file for k in KINDS if k.model == model._meta.label), "")


def _describe(kind: Kind, field: models.Field[Any, Any]) -> str:
    """The table's words, then what the table can't get wrong: join target and values."""
    name = field.attname
    words = kind.columns.get(name) or COMMON.get(name, "")
    if not words:
        return ""
    if field.is_relation and field.related_model is not None:
        target = _file_of(field.related_model)
        if target:
            words += f" Joins to {target}, column id."
    if field.choices:
        values = ", ".join(f"{value} ({label})" for value, label in field.flatchoices)
        words += f" Values: {values}."
    return words


def columns_of(kind: Kind) -> list[Column]:
    """The file's columns: the model's own fields in order, secrets left out."""
    model = apps.get_model(kind.model)
    return [
        Column(f.attname, f, _describe(kind, f))
        for f in model._meta.concrete_fields
        if not _secret(model, f.attname)
    ]


def undescribed() -> list[str]:
    """Columns (``file:column``) the table has no words for, and stale words (for tests)."""
    problems = []
    for kind in KINDS:
        cols = columns_of(kind)
        problems += [f"{kind.file}:{c.name}" for c in cols if not c.description]
        names = {c.name for c in cols}
        problems += [f"{kind.file}:{n} (no such column)" for n in kind.columns if n not in names]
    return problems


def unlisted_models() -> list[str]:
    """Models of Sacrum neither exported nor listed as not exported (for tests)."""
    listed = {k.model for k in KINDS} | set(NOT_EXPORTED)
    return sorted(
        m._meta.label
        for m in apps.get_models()
        if m.__module__.startswith("sacrum.") and m._meta.label not in listed
    )


# --- Cells --------------------------------------------------------------------------


def guard(text: str) -> str:
    """OWASP's defence against formula injection, reversible by dropping one apostrophe."""
    if text.startswith(FORMULA_STARTS) or (text[:1] == "'" and text[1:2] in FORMULA_STARTS):
        return "'" + text
    return text


def cell(value: Any, field: models.Field[Any, Any], zone: zoneinfo.ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, zone).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | int | float | uuid.UUID):
        return str(value)
    if isinstance(field, models.JSONField):
        return guard(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return guard(str(value))


# --- Rows ---------------------------------------------------------------------------


def scoped(kind: Kind, clinic: Clinic) -> models.QuerySet[Any]:
    """The kind's rows of this clinic only (a row reached by several paths counts once)."""
    model = apps.get_model(kind.model)
    rows: models.QuerySet[Any] = model._base_manager.all()
    if len(kind.scope) == 1:
        return rows.filter(**{kind.scope[0]: clinic.pk})
    either = Q()
    for path in kind.scope:
        either |= Q(pk__in=model._base_manager.filter(**{path: clinic.pk}).values("pk"))
    return rows.filter(either)


def chunks(rows: models.QuerySet[Any], names: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    """Rows in primary-key order, ``CHUNK`` at a time: one query per chunk."""
    pk = rows.model._meta.pk
    assert pk is not None
    pk_index = names.index(pk.attname)
    last: Any = None
    while True:
        page = rows.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        found = list(page.values_list(*names)[:CHUNK])
        if not found:
            return
        yield found
        if len(found) < CHUNK:
            return
        last = found[-1][pk_index]


# --- The zip --------------------------------------------------------------------------


def write_csv(clinic: Clinic, target_dir: pathlib.Path, progress: Progress) -> list[pathlib.Path]:
    """Write ``<slug>-csv-<date>.zip`` into ``target_dir``; returns the files written.

    Everything is read in one transaction (a consistent snapshot on PostgreSQL, where
    it is REPEATABLE READ when not already inside one, and on SQLite). ``progress`` is
    called with (rows written, rows in all) after every chunk.
    """
    zone = zoneinfo.ZoneInfo(clinic.time_zone)
    day = timezone.localdate(timezone.now(), zone)
    target_dir.mkdir(parents=True, exist_ok=True)
    final = target_dir / f"{clinic.slug}-csv-{day.isoformat()}.zip"
    handle, temp_name = tempfile.mkstemp(dir=target_dir, prefix=".csv-", suffix=".part")
    os.close(handle)
    temp = pathlib.Path(temp_name)
    try:
        with _snapshot():
            counts = {kind.file: scoped(kind, clinic).count() for kind in KINDS}
            total, done = sum(counts.values()), 0
            progress(0, total)
            with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(README_NAME, readme(clinic, counts))
                for kind in KINDS:
                    for written in _write_file(archive, kind, clinic, zone):
                        done += written
                        progress(done, total)
        temp.replace(final)
    finally:
        temp.unlink(missing_ok=True)
    return [final]


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """One transaction for every read; on PostgreSQL a read-only repeatable-read one
    (only possible when it is the outermost: the first statement sets it)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _write_file(
    archive: zipfile.ZipFile, kind: Kind, clinic: Clinic, zone: zoneinfo.ZoneInfo
) -> Iterator[int]:
    cols = columns_of(kind)
    names = [c.name for c in cols]
    with archive.open(kind.file, "w", force_zip64=True) as raw:
        text = io.TextIOWrapper(raw, encoding=ENCODING, newline="")
        writer = csv.writer(text)
        writer.writerow(names)
        for rows in chunks(scoped(kind, clinic), names):
            writer.writerows(
                [cell(v, c.field, zone) for v, c in zip(row, cols, strict=True)] for row in rows
            )
            yield len(rows)
        text.flush()
        text.detach()


# --- The README -----------------------------------------------------------------------

INTRO = """\
{clinic}: all records, as CSV
Made {made} by Sacrum. One file per kind of record; {files} files, {rows} rows.

How to read these files
- Encoding: UTF-8 with a byte-order mark (BOM), so spreadsheet programs show accents and
  non-Latin names correctly. Programs: read as "utf-8-sig". Comma-separated, fields with
  commas, quotes or line breaks in double quotes (RFC 4180), lines end with CR LF, the
  first line names the columns.
- Ids: every file has an "id" column that never changes. A column ending in "_id" holds
  the id of a row in another file (named below), so the files join like tables.
- Times: ISO 8601 with the offset from UTC, in the clinic's time zone ({zone}), e.g.
  2026-06-10T14:00:00+01:00. Dates: YYYY-MM-DD. Times of day: HH:MM:SS.
- Numbers and decimals are plain text with a dot (75.00, 8.5), never rounded or
  formatted. true/false for yes/no. Empty means no value. Lists and structured values
  are JSON text.
- Formula injection guard (OWASP, "CSV Injection"): a text cell that starts with
  = + - @, a tab or a carriage return has an apostrophe (') put in front, so a spreadsheet
  shows it as text instead of running it. A text cell that starts with an apostrophe
  followed by one of those characters gets one too. To get the exact text back, remove
  one leading apostrophe from cells that start with ' followed by = + - @ tab or CR.
  Numbers, dates and ids are never changed.
- Clinical content is exactly as stored: drafts and signed notes (see session_notes.csv,
  status), the audit log without any content. Files kept in the data folder (credential
  evidence, letters' PDFs, clearance letters) are named, not included: a backup has them.

Columns left out on purpose
{secrets}

Files
"""


def readme(clinic: Clinic, counts: dict[str, int]) -> str:
    zone = zoneinfo.ZoneInfo(clinic.time_zone)
    secrets = "\n".join(
        f"- {name.split('@')[0]}{' in ' + name.split('@')[1] if '@' in name else ''}: {why}."
        for name, why in SECRET_COLUMNS.items()
    )
    parts = [
        INTRO.format(
            clinic=clinic.name,
            made=timezone.localtime(timezone.now(), zone).isoformat(timespec="seconds"),
            files=len(KINDS),
            rows=sum(counts.values()),
            zone=clinic.time_zone,
            secrets=secrets,
        )
    ]
    for kind in KINDS:
        rows = counts.get(kind.file, 0)
        parts.append(f"\n{kind.file} ({rows} row{'' if rows == 1 else 's'})\n  {kind.about}\n")
        parts.extend(f"  - {c.name}: {c.description}\n" for c in columns_of(kind))
    if NOT_EXPORTED:
        parts.append("\nNot exported\n")
        parts.extend(f"- {label}: {why}\n" for label, why in NOT_EXPORTED.items())
    return "".join(parts)
