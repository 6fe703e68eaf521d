"""Every row of every table, read through today's models (``python -m tests.backups.rows OUT``).

Independent of the backup code: the ORM's own values (UUIDs, aware datetimes, Decimals,
dicts, bytes), written with pickle to OUT, so source and target compare exactly.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import Any

import django

# Not part of any backup by design: the server's own record of its backup files.
SKIPPED = {"backups_backuprun"}


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    from django.apps import apps

    tables: dict[str, list[tuple[Any, ...]]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.db_table in SKIPPED:
            continue
        names = [f.attname for f in meta.concrete_fields]
        rows = model._base_manager.order_by("pk").values_list(*names)
        tables[meta.db_table] = [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows
        ]
    return tables


def compare(
    source: dict[str, list[tuple[Any, ...]]], target: dict[str, list[tuple[Any, ...]]]
) -> dict[str, Any]:
    """Tables, rows compared, and every difference (by table, at most a few each)."""
    mismatches: list[str] = []
    compared = 0
    for table in sorted(set(source) | set(target)):
        left, right = source.get(table), target.get(table)
        if left is None or right is None:
            mismatches.append(f"{table}: only in {'target' if left is None else 'source'}")
            continue
        if len(left) != len(right):
            mismatches.append(
                f"{table}: {len(left)} rows in the source, {len(right)} in the target"
            )
        for a, b in zip(left, right, strict=False):
            compared += 1
            if a != b or [type(x) for x in a] != [type(y) for y in b]:
                mismatches.append(f"{table}: {a!r} != {b!r}")
    return {"tables": len(source), "rows": compared, "mismatches": mismatches}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
    django.setup()
    with open(sys.argv[1], "wb") as out:
        pickle.dump(snapshot(), out)
