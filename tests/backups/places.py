"""Databases of their own for backup tests: a SQLite file, or a new PostgreSQL database.

Each place has its own data folder; ``sacrum`` runs there in a subprocess with its own
DATABASE_URL and SACRUM_DATA_DIR, as an owner would run it on another server.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "backup-tests-secret-key-" + "k" * 40


def postgres_or_skip() -> None:
    """PostgreSQL must be there in CI; elsewhere its absence skips, saying so."""
    import psycopg

    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN} (CI needs it): {exc}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}")


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql.encode())  # names made here, never input


@dataclass
class Place:
    vendor: str
    url: str
    data_dir: Path
    env_extra: dict[str, str] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "SACRUM_DATA_DIR": str(self.data_dir),
            "SACRUM_ENV": "test",
            "SACRUM_SECRET_KEY": SECRET_KEY,
            "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT),
            **self.env_extra,
            **extra,
        }
        for name in ("DJANGO_SETTINGS_MODULE", "SACRUM_BACKUP_KEY", "PYTEST_CURRENT_TEST"):
            if name not in extra:
                env.pop(name, None)
        return env

    def sacrum(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "sacrum.cli", *args],
            env=self.env(**(env or {})),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"sacrum {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def python(self, module: str, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", module, *args],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise AssertionError(f"{module} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        out = self.data_dir.parent / f"{self.data_dir.name}-rows-{uuid.uuid4().hex[:6]}.pickle"
        self.python("tests.backups.rows", str(out))
        with out.open("rb") as handle:
            rows: dict[str, list[tuple[Any, ...]]] = pickle.load(handle)
        return rows

    def uploads(self) -> dict[str, bytes]:
        folder = self.data_dir / "private"
        if not folder.is_dir():
            return {}
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*")
            if p.is_file()
        }

    def table_count(self) -> int:
        """How many tables the database has (0: nothing was ever written to it)."""
        if self.vendor == "sqlite":
            import sqlite3

            path = Path(self.url.removeprefix("sqlite:///"))
            if not path.exists():
                return 0
            with sqlite3.connect(path) as conn:
                (count,) = conn.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type='table'"
                ).fetchone()
            return int(count)
        import psycopg

        with psycopg.connect(self.url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema='public'"
            ).fetchone()
        assert row is not None
        return int(row[0])


@contextmanager
def place(vendor: str, folder: Path) -> Iterator[Place]:
    """A new, empty database and data folder; a PostgreSQL database is dropped after."""
    name = f"sacrum_backup_{uuid.uuid4().hex[:10]}"
    data_dir = folder / name
    data_dir.mkdir(parents=True)
    if vendor == "sqlite":
        yield Place(vendor, f"sqlite:///{data_dir / 'sacrum.sqlite3'}", data_dir)
        return
    postgres_or_skip()
    _pg(f'CREATE DATABASE "{name}"')
    try:
        yield Place(vendor, f"postgres://postgres@127.0.0.1:5432/{name}", data_dir)
    finally:
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
