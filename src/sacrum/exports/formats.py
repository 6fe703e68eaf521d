"""Export formats: a name and the function that writes a clinic's files in that format.

A writer gets the clinic, an empty folder and a ``progress(done, total)`` callback, and
returns the files it wrote. The export job (``runner.py``) does the rest the same way for
every format: the folder, the zip, the expiry, the audit. A writer may raise
``Cancelled`` from ``progress`` when the owner cancels; it needs to do nothing about it.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from typing import Any

from sacrum.exports.fhir.bulk import write_fhir

Progress = Callable[[int, int], None]
Writer = Callable[[Any, pathlib.Path, Progress], list[pathlib.Path]]

FORMATS: dict[str, Writer] = {
    "fhir": write_fhir,
}


def writer_for(name: str) -> Writer:
    """The writer of ``name``; ``KeyError`` names the known formats."""
    try:
        return FORMATS[name]
    except KeyError:
        raise KeyError(
            f"unknown export format {name!r} (known: {', '.join(sorted(FORMATS))})"
        ) from None
