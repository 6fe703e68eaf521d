"""Three clients accept the same freed time at the same moment: exactly one is booked.

Each accept runs in its own thread with its own database connection, released together
by a barrier. The slot row is locked first (PostgreSQL) or the write transaction taken
up front (SQLite, BEGIN IMMEDIATE); behind that stand the database's "one accepted
offer per slot" constraint and the booking service's no-overlap constraints. On
SQLite the race runs in a subprocess on a database file (see ``race.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.waitlist.conftest import assert_no_overlaps
from tests.waitlist.race import build_scenario, count, race

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_book_exactly_one(tmp_path: Path) -> None:
    if connection.vendor == "sqlite":
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
            "SACRUM_DATA_DIR": str(tmp_path),
            "SACRUM_ENV": "test",
            "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        run = subprocess.run(
            [sys.executable, "-m", "tests.waitlist.race"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    else:
        tokens, blocker = build_scenario()
        result = {"outcomes": race(tokens), **count(blocker)}
        assert_no_overlaps()
    assert sorted(result["outcomes"]) == ["booked", "gone", "gone"], result
    assert (result["booked"], result["accepted"], result["gone"]) == (1, 1, 2), result
