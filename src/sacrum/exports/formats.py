"""Export formats: a name and the function that writes a clinic's files in that format.

A writer gets the clinic, an empty folder and a ``progress(done, total)`` callback, and
returns the files it wrote. The export job (``runner.py``) does the rest the same way for
every format: the folder, the zip, the expiry, the audit. A writer may raise
``Cancelled`` from ``progress`` when the owner cancels; it needs to do nothing about it.
"""

from __future__ import annotations

import pathlib
import shutil
import zipfile
from collections.abc import Callable
from typing import Any

from sacrum.exports.csv_export import write_csv
from sacrum.exports.fhir.bulk import write_fhir

Progress = Callable[[int, int], None]
Writer = Callable[[Any, pathlib.Path, Progress], list[pathlib.Path]]


def write_csv_files(
    clinic: Any, target_dir: pathlib.Path, progress: Progress
) -> list[pathlib.Path]:
    """The CSV export's files (one per kind of record and the README), loose in
    ``target_dir``, so the job and the command pack them as they do every format's files
    instead of putting a zip inside the zip."""
    scratch = target_dir / ".csv-zip"
    scratch.mkdir()
    try:
        (archive,) = write_csv(clinic, scratch, progress)
        with zipfile.ZipFile(archive) as bundle:
            names = [pathlib.PurePosixPath(n).name for n in bundle.namelist()]
            bundle.extractall(target_dir)
    finally:
        shutil.rmtree(scratch)
    return [target_dir / name for name in names]


FORMATS: dict[str, Writer] = {
    "fhir": write_fhir,
    "csv": write_csv_files,
}


def writer_for(name: str) -> Writer:
    """The writer of ``name``; ``KeyError`` names the known formats."""
    try:
        return FORMATS[name]
    except KeyError:
        raise KeyError(
            f"unknown export format {name!r} (known: {', '.join(sorted(FORMATS))})"
        ) from None
