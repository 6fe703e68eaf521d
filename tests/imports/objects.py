"""Factories for imports' id names: ``tests/access/objects.py`` lists them in its FACTORIES
so the permission matrix walks every import page with another clinic's upload and run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sacrum.imports.models import ImportRun, ImportUpload, RunStatus

if TYPE_CHECKING:
    from tests.access.objects import Stillwater


def upload(w: Stillwater) -> ImportUpload:
    """An upload whose file is gone (already imported): its pages work, nothing runs."""
    return ImportUpload.objects.create(
        clinic=w.owner.clinic,
        kind="clients",
        layout="jane",
        source_system="Jane",
        columns=["First Name", "Last Name", "Birth Date"],
        mapping={
            "first_name": "First Name",
            "last_name": "Last Name",
            "date_of_birth": "Birth Date",
        },
    )


def run(w: Stillwater) -> ImportRun:
    return ImportRun.objects.create(
        clinic=w.owner.clinic, kind="clients", source_system="Jane", status=RunStatus.DONE
    )


FACTORIES = {"upload_id": upload, "run_id": run}
