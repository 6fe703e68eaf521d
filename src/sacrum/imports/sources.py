"""Reading an uploaded file: CSV rows through a column mapping, or FHIR R4 resources."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sacrum.imports.layouts import Column, Mapping

ENCODING = "utf-8-sig"  # a byte-order mark (Excel's UTF-8 CSV) is dropped


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (not a row: the run stops before writing)."""


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _open(path: Path) -> tuple[io.TextIOWrapper, str]:
    handle = path.open(encoding=ENCODING, newline="")
    try:
        first = handle.readline()
    except UnicodeDecodeError:
        handle.close()
        raise UnreadableFile(
            "The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."
        ) from None
    handle.seek(0)
    return handle, _delimiter(first)


def read_header(path: Path) -> list[str]:
    handle, delimiter = _open(path)
    with handle:
        try:
            header = next(csv.reader(handle, delimiter=delimiter), [])
        except (csv.Error, UnicodeDecodeError) as exc:
            raise UnreadableFile(f"The file's first line cannot be read as CSV ({exc}).") from None
    names = [h.strip() for h in header]
    if not any(names):
        raise UnreadableFile("The file has no header row naming its columns.")
    return names


def count_rows(path: Path) -> int:
    handle, delimiter = _open(path)
    with handle:
        try:
            return max(0, sum(1 for _ in csv.reader(handle, delimiter=delimiter)) - 1)
        except (csv.Error, UnicodeDecodeError):
            return 0


def _getter(header: Sequence[str], field: str, column: Column | list[str]) -> Any:
    names = [column] if isinstance(column, str) else list(column)
    index = {h: i for i, h in enumerate(header)}
    missing = [n for n in names if n not in index]
    if missing:
        raise UnreadableFile(f"The file has no column “{missing[0]}” (mapped to {field}).")
    positions = [index[n] for n in names]
    if len(positions) == 1:
        (p,) = positions
        return lambda row: row[p] if p < len(row) else ""
    joiner = ", " if field == "address" else " "
    return lambda row: joiner.join(
        row[p].strip() for p in positions if p < len(row) and row[p].strip()
    )


def csv_rows(path: Path, mapping: Mapping | dict[str, Any]) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {field: text}); the header is row 1. Blank lines are skipped."""
    handle, delimiter = _open(path)
    with handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = [h.strip() for h in next(reader, [])]
        getters = [(field, _getter(header, field, column)) for field, column in mapping.items()]
        number = 1
        try:
            for row in reader:
                number += 1
                if not any(row):
                    continue
                yield number, {field: get(row) for field, get in getters}
        except (csv.Error, UnicodeDecodeError) as exc:
            raise UnreadableFile(f"Row {number + 1} cannot be read as CSV ({exc}).") from None


def fhir_resources(path: Path) -> Iterator[tuple[int, Any, str]]:
    """(entry or line number, resource dict, the entry's fullUrl) from a Bundle or NDJSON."""
    try:
        text = path.read_text(encoding=ENCODING)
    except UnicodeDecodeError:
        raise UnreadableFile("The file is not UTF-8 text.") from None
    stripped = text.lstrip()
    if stripped.startswith("{") and '"resourceType"' in stripped[:2000]:
        try:
            whole = json.loads(text)
        except json.JSONDecodeError:
            whole = None
        if isinstance(whole, dict):
            if whole.get("resourceType") == "Bundle":
                for number, entry in enumerate(whole.get("entry") or [], start=1):
                    if isinstance(entry, dict):
                        yield number, entry.get("resource"), str(entry.get("fullUrl") or "")
                    else:
                        yield number, None, ""
                return
            yield 1, whole, ""
            return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line), ""
        except json.JSONDecodeError:
            yield number, None, ""


def is_fhir(path: Path) -> bool:
    with path.open("rb") as handle:
        start = handle.read(4096).lstrip(b"\xef\xbb\xbf \r\n\t")
    return start.startswith(b"{")
