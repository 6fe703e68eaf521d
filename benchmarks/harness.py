"""What every database benchmark here shares: fresh databases, timing, the results table.

A benchmark script calls ``main`` with its ``worker``. ``main`` runs the worker in a child
process per database (a SQLite file in a temporary directory; a PostgreSQL database created
and dropped here), with ``DATABASE_URL`` pointing at it; the worker fills the database, times
its cases with ``measure`` and appends dated rows with ``append_rows``. Each row carries the
machine's load average, so figures taken on a busy machine read as such.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def log(message: str) -> None:
    print(message, flush=True)


@dataclass
class Row:
    label: str
    queries: int
    median_ms: float
    best_ms: float
    found: int


def measure(label: str, run: Callable[[], int], runs: int) -> Row:
    """Warm up once, count the queries of one run, then time ``runs`` runs.

    Counted by an execute wrapper, not ``CaptureQueriesContext``: a request through the
    test client empties the connection's query log when it starts (Django's
    ``reset_queries``), which made a page's queries read as 0.
    """
    from django.db import connection

    run()
    executed: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        found = run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return Row(label, len(executed), statistics.median(times), min(times), found)


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
    django.setup()


def append_rows(results: Path, header: str, lines: list[str]) -> None:
    results.parent.mkdir(parents=True, exist_ok=True)
    if not results.exists():
        results.write_text(header)
    with results.open("a") as out:
        out.write("\n".join(lines) + "\n")


def _run_child(script: str, database: str, url: str, data_dir: str, extra: list[str]) -> int:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SACRUM_DATA_DIR": data_dir,
        "SACRUM_ENV": "development",
    }
    return subprocess.call([sys.executable, script, "--worker", database, *extra], env=env)


def main(
    script: str,
    description: str,
    worker: Callable[[str, argparse.Namespace], None],
    pg_name: str,
    results: Path,
    add_arguments: Callable[[argparse.ArgumentParser], Any] | None = None,
) -> None:
    """``--db sqlite|postgres|both``; the worker runs in a child process per database."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    if add_arguments is not None:
        add_arguments(parser)
    args, _unknown = parser.parse_known_args()
    if args.worker:
        worker(args.worker, args)
        return
    extra = sys.argv[1:]
    if "--db" in extra:  # the children get everything but the choice of database
        i = extra.index("--db")
        extra = extra[:i] + extra[i + 2 :]
    failures = 0
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="sacrum-bench-") as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            failures += _run_child(script, "sqlite", url, tmp, extra) != 0
    if args.db in ("postgres", "both"):
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {pg_name}")
            admin.execute(f"CREATE DATABASE {pg_name}")
        try:
            with tempfile.TemporaryDirectory(prefix="sacrum-bench-") as tmp:
                url = f"postgres://postgres@127.0.0.1:5432/{pg_name}"
                failures += _run_child(script, "postgresql", url, tmp, extra) != 0
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
    log(f"Results appended to {results.relative_to(ROOT)}")
    sys.exit(1 if failures else 0)
