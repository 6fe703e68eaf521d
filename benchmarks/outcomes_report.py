"""Benchmark the practice outcome report: ~10 M questionnaire answers, ~100 000 clients.

    .venv/bin/python benchmarks/outcomes_report.py                  # SQLite and PostgreSQL
    .venv/bin/python benchmarks/outcomes_report.py --db sqlite --clients 5000   # quick look

A practice network of 20 clinics is generated: each client is measured with the
questionnaire that suits their condition (NDI, ODI, PHQ-9, GAD-7, HIT-6, ISI, SNOT-22),
a baseline and then up to 14 follow-ups, one in five lost to follow-up. Every total is
computed by Sacrum's scoring engine, and every client's ``OutcomeSummary`` by the same
function the services use on each write, so the database holds what the application
would. The rows are bulk-loaded (executemany on SQLite, COPY on PostgreSQL).

Then, in the same run:
- **Sacrum's report** (``outcomes.reports.aggregate``, one SQL query per clinic over the
  summaries) for all 20 clinics;
- **DuckDB** computing the same report from the raw answers (10 M rows in long format,
  loaded from a CSV file into an in-memory DuckDB before the clock starts).
The two reports are compared figure by figure. A dated row per database is appended to
``benchmarks/results/outcomes_report.md``. Target: Sacrum's report is faster than DuckDB
over the raw rows.

PostgreSQL: the script uses ``SACRUM_BENCH_POSTGRES_URL`` (default
``postgres://postgres@127.0.0.1:5432/sacrum_bench``) and **empties that database's
public schema** first. SQLite: a fresh file in a temporary directory.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "outcomes_report.md"
PG_URL = os.environ.get(
    "SACRUM_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/sacrum_bench"
)
CLINICS = 20
RUNS = 5
# condition -> instrument measured for it
MEASURES = [
    ("neck-pain", "ndi"),
    ("low-back-pain", "odi"),
    ("low-mood", "phq-9"),
    ("anxiety", "gad-7"),
    ("migraine", "hit-6"),
    ("sleep", "isi"),
    ("sinus", "snot-22"),
]

HEADER = """# Practice outcome report benchmark

`benchmarks/outcomes_report.py`: a network of 20 clinics; each client measured with the
questionnaire suiting their condition (baseline, then up to 14 follow-ups; one in five lost
to follow-up). "Sacrum" is the report as the application computes it: one SQL query per
clinic over the per-client summaries kept current on write, all 20 clinics. "DuckDB" is the
same report computed by DuckDB from the raw item answers (in memory, loaded before timing).
Times are the median (and best) of 5 runs after one warm-up, on this machine (2 cores,
shared with other work). "Same figures" compares every count, responder number, quartile
and mean of the two reports.

| date | database | clients | responses | item answers | summaries | Sacrum median ms | Sacrum best ms | DuckDB median ms | DuckDB best ms | same figures |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
"""


def log(message: str) -> None:
    print(message, flush=True)


def timed(run: Any) -> tuple[float, float, Any]:
    result = run()  # warm-up
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), result


def bulk_load(model: Any, rows: Iterable[dict[str, Any]], batch: int = 20_000) -> int:
    """Insert ``rows`` fast (COPY on PostgreSQL, executemany on SQLite).

    Each row becomes a model instance first, so field defaults apply and values are
    prepared for the database exactly as the ORM would prepare them.
    """
    from django.db import connection

    fields = list(model._meta.concrete_fields)
    columns = [f.column for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0

    def prepared(row: dict[str, Any]) -> list[Any]:
        obj = model(**row)
        return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]

    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(prepared(row))
                    count += 1
        return count
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"
    chunk: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            chunk.append(prepared(row))
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def generate(clients_total: int, raw_csv: Path) -> dict[str, Any]:
    """Fill the database and write every item answer to ``raw_csv`` for DuckDB."""
    from django.db import transaction
    from django.utils import timezone

    from sacrum.access.models import User
    from sacrum.clients.models import Client
    from sacrum.clinics.services import create_clinic
    from sacrum.outcomes.definitions import shipped_instruments
    from sacrum.outcomes.models import InstrumentDefinition, OutcomeSummary, Response
    from sacrum.outcomes.scoring import score
    from sacrum.outcomes.services import ensure_definitions
    from sacrum.outcomes.summaries import Point, summarize

    rng = random.Random(20260401)
    instruments = shipped_instruments()
    owner = User.objects.create_user(email="bench@example.test", password=None, full_name="Bench")
    clinics = [
        create_clinic(name=f"Bench clinic {n}", time_zone="Europe/London", owner=owner)
        for n in range(CLINICS)
    ]
    definitions: dict[tuple[Any, str], Any] = {}
    for clinic in clinics:
        ensure_definitions(clinic)
        for d in InstrumentDefinition.objects.filter(clinic=clinic):
            definitions[(clinic.pk, d.key)] = d.pk
    now = timezone.now()
    cache: dict[tuple[str, tuple[Any, ...]], float | None] = {}
    stats = {"clients": 0, "responses": 0, "answers": 0, "summaries": 0}
    client_rows: list[dict[str, Any]] = []
    response_rows: list[dict[str, Any]] = []
    summary_rows: list[dict[str, Any]] = []

    def answers_for(key: str, severity: float) -> dict[str, Any]:
        instrument = instruments[key]
        result = {}
        for link_id in instrument.scoring.items:
            options = sorted(instrument.item(link_id).options, key=lambda o: o.value)
            level = min(1.0, max(0.0, severity + rng.uniform(-0.2, 0.2)))
            result[link_id] = options[round(level * (len(options) - 1))].code
        return result

    with raw_csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "clinic",
                "client",
                "response",
                "instrument",
                "condition",
                "occasion",
                "completed_at",
                "item",
                "value",
            ]
        )
        for n in range(clients_total):
            clinic = clinics[n % CLINICS]
            client_id = uuid.uuid4()
            client_rows.append(
                {
                    "id": client_id,
                    "clinic_id": clinic.pk,
                    "first_name": f"C{n}",
                    "last_name": "Bench",
                    "date_of_birth": dt.date(1980, 1, 1),
                }
            )
            condition, key = MEASURES[n % len(MEASURES)]
            instrument = instruments[key]
            lost = rng.random() < 0.2
            count = 1 if lost else 1 + rng.randint(8, 14)
            start = now - dt.timedelta(days=400 - rng.randint(0, 200))
            start_level = rng.uniform(0.45, 0.8)
            end_level = start_level + rng.uniform(-0.45, 0.1)
            points = []
            for r in range(count):
                when = start + dt.timedelta(days=7 * r)
                severity = start_level + (end_level - start_level) * (r / max(count - 1, 1))
                answers = answers_for(key, severity)
                signature = (key, tuple(answers.values()))
                if signature not in cache:
                    cache[signature] = score(instrument, answers).value
                total = cache[signature]
                occasion = "baseline" if r == 0 else "session"
                response_id = uuid.uuid4()
                response_rows.append(
                    {
                        "id": response_id,
                        "clinic_id": clinic.pk,
                        "client_id": client_id,
                        "definition_id": definitions[(clinic.pk, key)],
                        "instrument_key": key,
                        "instrument_version": instrument.version,
                        "answers": answers,
                        "total": total,
                        "domain_scores": {},
                        "band": "",
                        "missing_items": [],
                        "score_note": "",
                        "alerts": [],
                        "occasion": occasion,
                        "session_number": None if r == 0 else r,
                        "condition": condition,
                        "completed_at": when,
                        "entered_by_id": None,
                        "created_at": when,
                    }
                )
                stamp = when.isoformat()
                for link_id, code in answers.items():
                    writer.writerow(
                        [
                            n % CLINICS,
                            n,
                            stats["responses"],
                            key,
                            condition,
                            occasion,
                            stamp,
                            link_id,
                            code,
                        ]
                    )
                stats["answers"] += len(answers)
                stats["responses"] += 1
                points.append(Point(when.date(), total, occasion, condition))
            values = summarize(instrument, points)
            summary_rows.append(
                {
                    "id": uuid.uuid4(),
                    "clinic_id": clinic.pk,
                    "client_id": client_id,
                    "instrument_key": key,
                    "condition": values.condition,
                    "baseline_value": values.baseline_value,
                    "baseline_on": values.baseline_on,
                    "latest_value": values.latest_value,
                    "latest_on": values.latest_on,
                    "change": values.change,
                    "improvement": values.improvement,
                    "status": values.status,
                    "responder": values.responder,
                    "has_follow_up": values.has_follow_up,
                    "measurements": values.measurements,
                    "updated_at": now,
                }
            )
            if len(response_rows) >= 200_000:
                with transaction.atomic():
                    bulk_load(Client, client_rows)
                    bulk_load(Response, response_rows)
                    bulk_load(OutcomeSummary, summary_rows)
                stats["clients"] += len(client_rows)
                stats["summaries"] += len(summary_rows)
                client_rows, response_rows, summary_rows = [], [], []
                log(
                    f"  {stats['clients']:,} clients, {stats['responses']:,} responses, {stats['answers']:,} answers"
                )
        with transaction.atomic():
            bulk_load(Client, client_rows)
            bulk_load(Response, response_rows)
            bulk_load(OutcomeSummary, summary_rows)
        stats["clients"] += len(client_rows)
        stats["summaries"] += len(summary_rows)
    stats["clinic_ids"] = [c.pk for c in clinics]
    return stats


DUCKDB_REPORT = """
WITH totals AS (
    SELECT a.clinic, a.client, a.instrument, any_value(a.condition) AS condition,
           any_value(a.occasion) AS occasion, any_value(a.completed_at) AS completed_at,
           CASE WHEN any_value(i.method) = 'percent_of_maximum'
                THEN SUM(a.value) / (any_value(i.item_max) * COUNT(*)) * 100
                ELSE SUM(a.value) END AS total
    FROM answers a JOIN instruments i ON i.key = a.instrument
    GROUP BY a.clinic, a.client, a.instrument, a.response
),
per_client AS (
    SELECT clinic, client, instrument, any_value(condition) AS condition,
           arg_min(total, completed_at) FILTER (WHERE occasion = 'baseline') AS baseline,
           arg_max(total, completed_at) FILTER (WHERE occasion <> 'baseline') AS latest,
           count(*) FILTER (WHERE occasion <> 'baseline') AS follow_ups
    FROM totals GROUP BY clinic, client, instrument
),
judged AS (
    SELECT p.*, p.latest - p.baseline AS change,
           CASE WHEN i.higher_is_worse THEN p.baseline - p.latest ELSE p.latest - p.baseline END AS gain,
           i.mic_abs, i.mic_rel
    FROM per_client p JOIN instruments i ON i.key = p.instrument
),
flagged AS (
    SELECT *,
           follow_ups > 0 AND gain > 0 AND (
               (mic_abs IS NOT NULL AND gain >= mic_abs - 1e-9)
               OR (mic_rel IS NOT NULL AND baseline > 0 AND gain / baseline >= mic_rel - 1e-9)
           ) AS responder,
           follow_ups > 0 AND gain < 0 AND (
               (mic_abs IS NOT NULL AND -gain >= mic_abs - 1e-9)
               OR (mic_rel IS NOT NULL AND baseline > 0 AND -gain / baseline >= mic_rel - 1e-9)
           ) AS worse
    FROM judged
)
SELECT clinic, condition, instrument,
       count(*) AS with_baseline,
       count(*) FILTER (WHERE follow_ups > 0) AS with_follow_up,
       count(*) FILTER (WHERE responder) AS responders,
       count(*) FILTER (WHERE worse) AS worse,
       quantile_cont(change, 0.25) FILTER (WHERE follow_ups > 0) AS q1,
       quantile_cont(change, 0.5) FILTER (WHERE follow_ups > 0) AS median,
       quantile_cont(change, 0.75) FILTER (WHERE follow_ups > 0) AS q3,
       avg(change) FILTER (WHERE follow_ups > 0) AS mean
FROM flagged GROUP BY clinic, condition, instrument ORDER BY clinic, condition, instrument
"""


def duckdb_setup(raw_csv: Path) -> Any:
    import duckdb

    from sacrum.outcomes.definitions import shipped_instruments

    con = duckdb.connect(":memory:")
    con.execute(
        "CREATE TABLE answers AS SELECT * FROM read_csv(?, header = true, columns = {"
        "'clinic': 'INTEGER', 'client': 'INTEGER', 'response': 'BIGINT', 'instrument': 'VARCHAR', "
        "'condition': 'VARCHAR', 'occasion': 'VARCHAR', 'completed_at': 'TIMESTAMP', 'item': 'VARCHAR', "
        "'value': 'DOUBLE'})",
        [str(raw_csv)],
    )
    con.execute(
        "CREATE TABLE instruments (key VARCHAR, method VARCHAR, item_max DOUBLE, higher_is_worse BOOLEAN, "
        "mic_abs DOUBLE, mic_rel DOUBLE)"
    )
    for _condition, key in MEASURES:
        i = shipped_instruments()[key]
        item_max = max(float(o.value) for o in i.item(i.scoring.items[0]).options)
        con.execute(
            "INSERT INTO instruments VALUES (?, ?, ?, ?, ?, ?)",
            [
                key,
                i.scoring.method,
                item_max,
                i.scoring.higher_is_worse,
                None if i.scoring.mic.absolute is None else float(i.scoring.mic.absolute),
                None if i.scoring.mic.relative is None else float(i.scoring.mic.relative),
            ],
        )
    return con


def compare(ours: Sequence[tuple[Any, ...]], theirs: Sequence[tuple[Any, ...]]) -> tuple[bool, str]:
    """Both reports, keyed by (clinic index, condition, instrument); every figure compared."""
    if len(ours) != len(theirs):
        return False, f"{len(ours)} rows vs {len(theirs)}"
    for a, b in zip(ours, theirs, strict=True):
        if a[:7] != b[:7]:
            return False, f"counts differ: {a[:7]} vs {b[:7]}"
        for x, y in zip(a[7:], b[7:], strict=True):
            if (x is None) != (y is None) or (x is not None and abs(float(x) - float(y)) > 1e-6):
                return False, f"figures differ: {a} vs {b}"
    return True, "yes"


def worker(database: str, clients_total: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from sacrum.outcomes.reports import aggregate

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    log(f"[{database}] migrating a fresh database")
    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as folder:
        raw_csv = Path(folder) / "answers.csv"
        log(f"[{database}] generating {clients_total:,} clients and their answers")
        started = time.perf_counter()
        stats = generate(clients_total, raw_csv)
        log(
            f"[{database}] loaded in {time.perf_counter() - started:.0f} s: {stats['answers']:,} item answers"
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        clinic_ids = stats["clinic_ids"]

        def ours() -> list[tuple[Any, ...]]:
            rows = []
            for index, clinic_id in enumerate(clinic_ids):
                for c, k, wb, wf, resp, worse, _n, total, _sq, q1, median, q3 in aggregate(
                    clinic_id, None, None
                ):
                    mean = None if not wf or total is None else total / wf
                    rows.append(
                        (index, c, k, int(wb), int(wf), int(resp), int(worse), q1, median, q3, mean)
                    )
            return sorted(rows, key=lambda r: (r[0], r[1], r[2]))

        sacrum_median, sacrum_best, our_rows = timed(ours)
        log(f"[{database}] Sacrum report: median {sacrum_median:.0f} ms, best {sacrum_best:.0f} ms")
        log(f"[{database}] loading the raw answers into DuckDB")
        con = duckdb_setup(raw_csv)

        def theirs() -> list[tuple[Any, ...]]:
            return [tuple(r) for r in con.execute(DUCKDB_REPORT).fetchall()]

        duck_median, duck_best, duck_rows = timed(theirs)
        log(
            f"[{database}] DuckDB from raw answers: median {duck_median:.0f} ms, best {duck_best:.0f} ms"
        )
    same, detail = compare(our_rows, duck_rows)
    log(f"[{database}] same figures: {detail}")
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    line = (
        f"| {stamp} | {database} | {stats['clients']:,} | {stats['responses']:,} | {stats['answers']:,} | "
        f"{stats['summaries']:,} | {sacrum_median:.0f} | {sacrum_best:.0f} | {duck_median:.0f} | "
        f"{duck_best:.0f} | {'yes' if same else 'NO: ' + detail[:80]} |"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if not RESULTS.exists():
        RESULTS.write_text(HEADER)
    with RESULTS.open("a") as out:
        out.write(line + "\n")
    if not same:
        sys.exit(1)


def run_child(database: str, url: str, data_dir: str, clients_total: int) -> int:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SACRUM_DATA_DIR": data_dir,
        "SACRUM_ENV": "development",
    }
    return subprocess.call(
        [sys.executable, __file__, "--worker", database, "--clients", str(clients_total)], env=env
    )


def ensure_postgres_database(url: str) -> None:
    """Create the benchmark's own database when it doesn't exist yet (a fresh machine)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.clients)
        return
    status = 0
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            status |= run_child("sqlite", f"sqlite:///{folder}/bench.sqlite3", folder, args.clients)
    if args.db in ("postgres", "both"):
        ensure_postgres_database(PG_URL)
        with tempfile.TemporaryDirectory() as folder:
            status |= run_child("postgresql", PG_URL, folder, args.clients)
    log(f"Results appended to {RESULTS.relative_to(ROOT)}")
    sys.exit(status)


if __name__ == "__main__":
    main()
