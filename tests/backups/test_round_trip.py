"""Back up a demo practice and restore it into a new database; every row must match.

Sources are seeded by the demo seeder plus addenda and an uploaded file (seed_source),
on SQLite and on PostgreSQL; each backup is restored by the real ``sacrum restore`` in
a subprocess into SQLite and into PostgreSQL, and every row of every table (every model,
m2m tables included) is compared with the source through the ORM. The PostgreSQL
source's backup is encrypted, so its two restores are the encrypted round trip.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.backups.places import Place, place
from tests.backups.rows import compare

BACKUP_KEY = "pF6uVbyAq1n3n1Kk8bB6H2w8o0dJ3x6zq3mYy3m5cVQ="


@dataclass
class Source:
    place: Place
    backup: Path
    rows: dict[str, list[tuple[Any, ...]]]
    uploads: dict[str, bytes]
    key: str | None


def _source(vendor: str, folder: Path, key: str | None) -> Generator[Source, None, None]:
    with place(vendor, folder) as source:
        source.python("tests.backups.seed_source")
        backup = folder / f"{vendor}-backup.tar.gz"
        extra = {"SACRUM_BACKUP_KEY": key} if key else {}
        done = source.sacrum("backup", str(backup), env=extra)
        assert ("encrypted" if key else "NOT encrypted") in done.stdout
        yield Source(source, backup, source.rows(), source.uploads(), key)


# The directions a clinic takes: stay on SQLite, move from the demo's SQLite to
# PostgreSQL, stay on PostgreSQL (its backup encrypted). One test, so that under xdist the
# two sources are seeded once, in one process, while the other workers run the rest.
DIRECTIONS = [("sqlite", "sqlite"), ("sqlite", "postgresql"), ("postgresql", "postgresql")]


def test_restore_gives_back_every_row_and_file(tmp_path_factory: pytest.TempPathFactory) -> None:
    sources = {
        "sqlite": _source("sqlite", tmp_path_factory.mktemp("sqlite-source"), None),
        "postgresql": _source("postgresql", tmp_path_factory.mktemp("pg-source"), BACKUP_KEY),
    }
    try:
        made = {vendor: next(source) for vendor, source in sources.items()}
        for source_vendor, target_vendor in DIRECTIONS:
            restore_and_compare(
                made[source_vendor],
                source_vendor,
                target_vendor,
                tmp_path_factory.mktemp(f"{source_vendor}-to-{target_vendor}"),
            )
    finally:
        for source in sources.values():
            source.close()


def restore_and_compare(
    source: Source, source_vendor: str, target_vendor: str, folder: Path
) -> None:
    with place(target_vendor, folder) as target:
        extra = {"SACRUM_BACKUP_KEY": source.key} if source.key else {}
        done = target.sacrum("restore", str(source.backup), env=extra)
        assert "0 problems found." in done.stdout
        verified = target.sacrum("verify_notes")
        assert "0 problems found." in verified.stdout
        figures = compare(source.rows, target.rows())
        assert figures["mismatches"] == []
        assert figures["rows"] == sum(len(rows) for rows in source.rows.values())
        assert target.uploads() == source.uploads and len(source.uploads) == 1
        # The restored server goes on: PostgreSQL's sequences were reset past the loaded
        # ids, so new rows (here: an audit entry per write of this check) get fresh ids.
        target.python("tests.backups.write_after_restore")
    print(
        json.dumps(
            {
                "direction": f"{source_vendor}->{target_vendor}",
                "tables": figures["tables"],
                "rows_compared": figures["rows"],
                "mismatches": len(figures["mismatches"]),
                "files": len(source.uploads),
            }
        )
    )
    signed = {t: n for t, n in ((t, len(r)) for t, r in source.rows.items()) if n}
    assert signed["charting_addendum"] == 3 and signed["access_auditentry"] > 600
