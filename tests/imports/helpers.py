"""Run an import of a sample file the way the command does, and read its report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sacrum.imports import services
from sacrum.imports.layouts import LAYOUTS
from sacrum.imports.models import ImportRun
from tests.conftest import Persona

DATA = Path(__file__).parent / "data"


def run(owner: Persona, name: str, *, dry_run: bool = False, **options: Any) -> ImportRun:
    path = DATA / name
    kind, layout, _columns, mapping = services.describe_file(path, options.pop("kind", None))
    chosen = LAYOUTS.get(layout)
    return services.import_for_command(
        actor=owner.actor,
        path=path,
        kind=kind,
        mapping=options.pop("mapping", mapping),
        source_system=options.pop(
            "source_system", chosen.label.split(" (")[0] if chosen else "FHIR"
        ),
        date_order=options.pop("date_order", chosen.date_order if chosen else "ymd"),
        dry_run=dry_run,
    )


def problems(result: ImportRun) -> dict[int, tuple[str, str]]:
    return {p["row"]: (p["outcome"], p["message"]) for p in result.problems}
