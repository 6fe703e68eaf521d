"""Benchmark the import: 100 000 clients and 300 000 appointments from CSV, beside a raw
load of the same rows into an equivalent bare table (PostgreSQL ``COPY``; SQLite
``executemany`` in one transaction).

    .venv/bin/python benchmarks/imports.py                  # SQLite and PostgreSQL
    .venv/bin/python benchmarks/imports.py --db postgres
    .venv/bin/python benchmarks/imports.py --clients 2000 --appointments 6000   # quick
    .venv/bin/python benchmarks/imports.py --db sqlite --profile                # cProfile

Each database is fresh (a SQLite file in a temporary folder; the PostgreSQL database
``sacrum_bench_imports``, created and dropped here). The CSV files use Sacrum's generic
layout with local wall-clock times (Europe/London), so every row goes through the same
reading, checking (double booking included) and writing as an owner's import. The raw
load gets the final rows ready-made in memory before its timer starts: it is the
database's own speed for those rows, without reading or checking anything. Then the
same files are imported again, which must create nothing (idempotency), and that re-run
is timed too. Last, the floor: the same ready-made rows, with the link rows an import
adds, written into the real tables of a second clinic the way the import writes them
(batches of 5 000, one transaction each), every key, index, foreign key, check and the
double-booking guard in force: the database's own cost, which no import can beat.
Results: ``benchmarks/results/imports-<db>.json`` and ``.md``, with the load average.
Then a raw load of the same rows straight into Sacrum's own tables (one COPY per
table, one transaction, every rule in force): the target's comparison.
Target on PostgreSQL: the import at least 0.5x that raw COPY's rows per second.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "sacrum_bench_imports"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
PRACTITIONERS = 20
FIRST_DAY = dt.date(2021, 1, 4)
HOURS = range(8, 18)  # ten one-hour sessions a day, never near a clock change at 01:00-02:00


def log(message: str) -> None:
    print(message, flush=True)


def write_files(folder: Path, clients: int, appointments: int) -> tuple[Path, Path]:
    """Invented people; each client's appointments fall at different times."""
    client_file = folder / "clients.csv"
    with client_file.open("w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["id", "first_name", "last_name", "date_of_birth", "email", "phone"])
        for i in range(clients):
            born = dt.date(1940, 1, 1) + dt.timedelta(days=(i * 37) % 25000)
            w.writerow(
                [
                    f"c{i}",
                    f"Given{i}",
                    f"Family{i % 9973}",
                    born.isoformat(),
                    f"person{i}@example.test",
                    f"+44 7700 {i:06d}",
                ]
            )
    appointment_file = folder / "appointments.csv"
    statuses = ["attended"] * 8 + ["cancelled", "no-show"]
    with appointment_file.open("w", newline="") as out:
        w = csv.writer(out)
        w.writerow(
            ["id", "client_id", "start", "end", "practitioner", "service", "location", "status"]
        )
        for k in range(appointments):
            practitioner, slot = k % PRACTITIONERS, k // PRACTITIONERS
            day = FIRST_DAY + dt.timedelta(days=slot // len(HOURS))
            hour = HOURS[slot % len(HOURS)]
            w.writerow(
                [
                    f"a{k}",
                    f"c{k % clients}",
                    f"{day.isoformat()} {hour:02d}:00",
                    f"{day.isoformat()} {hour + 1:02d}:00",
                    f"Practitioner {practitioner}",
                    "Craniosacral session",
                    "Harbour Street",
                    statuses[k % len(statuses)],
                ]
            )
    return client_file, appointment_file


def set_up_clinic(prefix: str = "") -> Any:
    from sacrum.access.models import User
    from sacrum.access.roles import Role
    from sacrum.clinics.models import Location, Membership
    from sacrum.clinics.services import create_clinic
    from sacrum.kernel.actor import Actor
    from sacrum.scheduling.models import ServiceType

    owner = User.objects.create_user(
        email=f"{prefix}owner@bench.test", password="x-bench-password-1", full_name="Olive Owner"
    )
    clinic = create_clinic(name=f"Bench Clinic {prefix}", time_zone="Europe/London", owner=owner)
    for p in range(PRACTITIONERS):
        user = User.objects.create_user(
            email=f"{prefix}p{p}@bench.test",
            password="x-bench-password-1",
            full_name=f"Practitioner {p}",
        )
        Membership.objects.create(clinic=clinic, user=user, role=Role.PRACTITIONER)
    Location.objects.create(clinic=clinic, name="Harbour Street", time_zone="Europe/London")
    ServiceType.objects.create(
        clinic=clinic,
        name="Craniosacral session",
        duration_minutes=60,
        buffer_before_minutes=0,
        buffer_after_minutes=0,
    )
    member = Membership.objects.get(clinic=clinic, role=Role.OWNER)
    return Actor.system(member)


def sacrum_import(actor: Any, path: Path, kind: str) -> tuple[float, Any]:
    from sacrum.imports import services

    _kind, _layout, _columns, mapping = services.describe_file(path, kind)
    started = time.perf_counter()
    run = services.import_for_command(
        actor=actor,
        path=path,
        kind=kind,
        mapping=mapping,
        source_system="Bench",
        date_order="ymd",
        dry_run=False,
    )
    return time.perf_counter() - started, run


def raw_rows(
    actor: Any, client_file: Path, appointment_file: Path, *, real: bool = False
) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """The same rows as the import writes, built before the raw load's timer starts.

    ``real``: with the clinic's own practitioners, service and location, and the link
    rows an import adds, so that they can go into the real tables (the floor)."""
    import uuid

    from django.db import connection
    from django.utils import timezone

    from sacrum.clients.models import Client
    from sacrum.clinics.models import Location, Membership
    from sacrum.imports.engine import APPOINTMENT_COLUMNS, CLIENT_COLUMNS, LINK_COLUMNS
    from sacrum.imports.models import ImportedRecord
    from sacrum.imports.writer import Table
    from sacrum.scheduling.local_time import zone
    from sacrum.scheduling.models import Appointment, ServiceType

    now = timezone.now()
    clinic = actor.member.clinic
    tz = zone(clinic.time_zone)
    clients_t = Table(Client, CLIENT_COLUMNS, connection)
    appts_t = Table(Appointment, APPOINTMENT_COLUMNS, connection)
    links_t = Table(ImportedRecord, LINK_COLUMNS, connection)
    practitioners = {
        m.user.full_name: m.pk
        for m in Membership.objects.filter(clinic=clinic).select_related("user")
    }
    service = ServiceType.objects.get(clinic=clinic).pk if real else uuid.uuid4()
    location = Location.objects.get(clinic=clinic).pk if real else uuid.uuid4()
    ids: dict[str, uuid.UUID] = {}
    clients = []
    links = []
    with client_file.open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for source, first, last, born, email, phone in reader:
            pk = uuid.uuid4()
            ids[source] = pk
            clients.append(
                clients_t.encode(
                    (
                        pk,
                        clinic.pk,
                        first,
                        last,
                        "",
                        dt.date.fromisoformat(born),
                        email,
                        phone,
                        "",
                        now,
                        now,
                    )
                )
            )
            if real:
                links.append(links_t.encode((clinic.pk, "Floor", "client", source, pk, None)))
    member = actor.member.pk
    appointments = []
    status_of = {"attended": "completed", "cancelled": "cancelled", "no-show": "no_show"}
    with appointment_file.open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for source, client, start, end, practitioner, _s, _l, status in reader:
            s = dt.datetime.fromisoformat(start).replace(tzinfo=tz).astimezone(dt.UTC)
            e = dt.datetime.fromisoformat(end).replace(tzinfo=tz).astimezone(dt.UTC)
            st = status_of[status]
            pk = uuid.uuid4()
            appointments.append(
                appts_t.encode(
                    (
                        pk,
                        clinic.pk,
                        ids[client],
                        practitioners[practitioner] if real else member,
                        service,
                        location,
                        s,
                        e,
                        s,
                        e,
                        st,
                        s if st == "cancelled" else None,
                        None,
                        now,
                        now,
                    )
                )
            )
            if real:
                links.append(links_t.encode((clinic.pk, "Floor", "appointment", source, pk, None)))
    return clients, appointments, links


def floor_load(clients: list[tuple], appointments: list[tuple], links: list[tuple]) -> float:
    """The ready-made rows into the real tables, with every key, index, constraint and
    trigger (and the import's link rows), written as the import writes them: batches of
    5 000 records with their links, one transaction each. The database's own cost without
    reading or checking anything: no import that keeps those rules can beat it."""
    from django.db import connection, transaction

    from sacrum.clients.models import Client
    from sacrum.imports.engine import APPOINTMENT_COLUMNS, BATCH, CLIENT_COLUMNS, LINK_COLUMNS
    from sacrum.imports.models import ImportedRecord
    from sacrum.imports.writer import Table, import_session
    from sacrum.scheduling.models import Appointment

    link_table = Table(ImportedRecord, LINK_COLUMNS, connection)
    kinds = [
        (Table(Client, CLIENT_COLUMNS, connection), clients, links[: len(clients)]),
        (Table(Appointment, APPOINTMENT_COLUMNS, connection), appointments, links[len(clients) :]),
    ]
    started = time.perf_counter()
    with import_session(connection):
        for table, rows, their_links in kinds:
            for at in range(0, len(rows), BATCH):
                with transaction.atomic(), connection.cursor() as cursor:
                    table.write(cursor, rows[at : at + BATCH])
                    link_table.write(cursor, their_links[at : at + BATCH])
    return time.perf_counter() - started


def copy_into_tables(clients: list[tuple], appointments: list[tuple]) -> float:
    """The raw load of the same rows into Sacrum's own tables: one COPY (SQLite: one
    ``executemany``) per table in one transaction, every key, index, check and the
    double-booking guard in force, no link rows, nothing read or checked. The issue's
    target compares the import with this."""
    from django.db import connection, transaction

    from sacrum.clients.models import Client
    from sacrum.imports.engine import APPOINTMENT_COLUMNS, CLIENT_COLUMNS
    from sacrum.imports.writer import Table, import_session
    from sacrum.scheduling.models import Appointment

    started = time.perf_counter()
    with import_session(connection), transaction.atomic(), connection.cursor() as cursor:
        Table(Client, CLIENT_COLUMNS, connection).write(cursor, clients)
        Table(Appointment, APPOINTMENT_COLUMNS, connection).write(cursor, appointments)
    return time.perf_counter() - started


def raw_load(table: str, like: str, rows: list[tuple], columns: list[str]) -> float:
    """Rows into a bare copy of ``like`` (same columns and types; no keys, indexes or checks)."""
    from django.db import connection, transaction

    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'CREATE TABLE "{table}" (LIKE "{like}")')
        else:
            cursor.execute(f'CREATE TABLE "{table}" AS SELECT * FROM "{like}" WHERE 0')
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
    return time.perf_counter() - started


def worker(database: str, clients: int, appointments: int, profile: bool) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from sacrum.clients.models import Client
    from sacrum.imports.engine import APPOINTMENT_COLUMNS, CLIENT_COLUMNS
    from sacrum.imports.writer import Table
    from sacrum.scheduling.models import Appointment

    log(f"[{database}] migrating a fresh database")
    call_command("migrate", verbosity=0)
    actor = set_up_clinic()
    folder = Path(tempfile.mkdtemp(prefix="sacrum-import-bench-"))
    log(f"[{database}] writing {clients:,} clients and {appointments:,} appointments as CSV")
    client_file, appointment_file = write_files(folder, clients, appointments)

    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    client_time, client_run = sacrum_import(actor, client_file, "clients")
    log(
        f"[{database}] import clients: {client_time:.1f} s, created {client_run.created:,}, problems {client_run.errors + client_run.conflicts + client_run.skipped}"
    )
    appt_time, appt_run = sacrum_import(actor, appointment_file, "appointments")
    log(
        f"[{database}] import appointments: {appt_time:.1f} s, created {appt_run.created:,}, problems {appt_run.errors + appt_run.conflicts + appt_run.skipped}"
    )
    if profiler:
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(25)
    assert client_run.created == clients, client_run.problems[:5]
    assert appt_run.created == appointments, appt_run.problems[:5]

    rerun_time_c, rerun_c = sacrum_import(actor, client_file, "clients")
    rerun_time_a, rerun_a = sacrum_import(actor, appointment_file, "appointments")
    assert rerun_c.created == 0 and rerun_a.created == 0
    log(
        f"[{database}] re-run: {rerun_time_c + rerun_time_a:.1f} s, created nothing, skipped {rerun_c.skipped + rerun_a.skipped:,}"
    )

    raw_clients, raw_appts, _none = raw_rows(actor, client_file, appointment_file)
    client_columns = Table(Client, CLIENT_COLUMNS, connection).columns
    appt_columns = Table(Appointment, APPOINTMENT_COLUMNS, connection).columns
    raw_c = raw_load("bench_raw_client", Client._meta.db_table, raw_clients, client_columns)
    raw_a = raw_load("bench_raw_appointment", Appointment._meta.db_table, raw_appts, appt_columns)
    way = "COPY" if connection.vendor == "postgresql" else "executemany"
    log(f"[{database}] raw {way}: clients {raw_c:.2f} s, appointments {raw_a:.2f} s")
    del raw_clients, raw_appts
    floor_actor = set_up_clinic("floor-")
    floor_rows = raw_rows(floor_actor, client_file, appointment_file, real=True)
    floor = floor_load(*floor_rows)
    del floor_rows
    log(f"[{database}] floor ({way} into the real tables, with links): {floor:.2f} s")
    copy_actor = set_up_clinic("copy-")
    copy_clients, copy_appts, _links = raw_rows(
        copy_actor, client_file, appointment_file, real=True
    )
    del _links
    into_tables = copy_into_tables(copy_clients, copy_appts)
    del copy_clients, copy_appts
    log(f"[{database}] raw {way} into Sacrum's tables: {into_tables:.2f} s")

    def rate(n: int, seconds: float) -> float:
        return n / seconds if seconds else 0.0

    figures = {
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "database": connection.vendor,
        "raw_method": way,
        "clients": clients,
        "appointments": appointments,
        "sacrum_seconds": {"clients": round(client_time, 2), "appointments": round(appt_time, 2)},
        "raw_seconds": {"clients": round(raw_c, 2), "appointments": round(raw_a, 2)},
        "sacrum_rows_per_s": {
            "clients": round(rate(clients, client_time)),
            "appointments": round(rate(appointments, appt_time)),
            "all": round(rate(clients + appointments, client_time + appt_time)),
        },
        "raw_rows_per_s": {
            "clients": round(rate(clients, raw_c)),
            "appointments": round(rate(appointments, raw_a)),
            "all": round(rate(clients + appointments, raw_c + raw_a)),
        },
        "rerun_seconds": round(rerun_time_c + rerun_time_a, 2),
        "floor_seconds": round(floor, 2),
        "floor_rows_per_s": round(rate(clients + appointments, floor)),
        "into_tables_seconds": round(into_tables, 2),
        "into_tables_rows_per_s": round(rate(clients + appointments, into_tables)),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    figures["ratio"] = {
        k: round(figures["sacrum_rows_per_s"][k] / figures["raw_rows_per_s"][k], 2)
        for k in ("clients", "appointments", "all")
    }
    figures["floor_ratio"] = round(
        figures["floor_rows_per_s"] / figures["raw_rows_per_s"]["all"], 2
    )
    figures["ratio_to_floor"] = round(
        figures["sacrum_rows_per_s"]["all"] / figures["floor_rows_per_s"], 2
    )
    figures["ratio_to_into_tables"] = round(
        figures["sacrum_rows_per_s"]["all"] / figures["into_tables_rows_per_s"], 2
    )
    name = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"imports-{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    s, r, q = figures["sacrum_rows_per_s"], figures["raw_rows_per_s"], figures["ratio"]
    (RESULTS / f"imports-{name}.md").write_text(
        f"""# Import benchmark ({name})

`benchmarks/imports.py`, run {figures["date"]} on this machine (2 cores, shared with other
work: expect noise). {clients:,} clients then {appointments:,} appointments from CSV (Sacrum's
generic layout, local times in Europe/London, {PRACTITIONERS} practitioners), through the whole
import: reading, checking every row (dates, people, services, double booking), writing with
links for idempotent re-runs. Beside it, a raw {way} of the same final rows, ready-made in
memory, into a bare table with the same columns (no keys, indexes, checks or triggers).

| rows | Sacrum import s | Sacrum rows/s | raw {way} s | raw rows/s | ratio |
| --- | --- | --- | --- | --- | --- |
| clients | {client_time:.1f} | {s["clients"]:,} | {raw_c:.2f} | {r["clients"]:,} | {q["clients"]} |
| appointments | {appt_time:.1f} | {s["appointments"]:,} | {raw_a:.2f} | {r["appointments"]:,} | {q["appointments"]} |
| all | {client_time + appt_time:.1f} | {s["all"]:,} | {raw_c + raw_a:.2f} | {r["all"]:,} | {q["all"]} |

The floor: the same ready-made rows (and the link rows an import adds) written with {way}
into the real tables, with every key, index, foreign key, check, the double-booking guard
and the uniqueness of the links: {floor:.2f} s, {figures["floor_rows_per_s"]:,} rows/s,
{figures["floor_ratio"]}x the raw load. No import that keeps those rules can beat it; the
import runs at {figures["ratio_to_floor"]}x the floor.

**The target's comparison**: a raw {way} of the same client and appointment rows,
ready-made in memory, straight into Sacrum's own tables (one {way} per table, one
transaction, every rule in force, no link rows): {into_tables:.2f} s,
{figures["into_tables_rows_per_s"]:,} rows/s. The import runs at
**{figures["ratio_to_into_tables"]}x** that (target on PostgreSQL: at least 0.5x).

Importing both files again created nothing and took {figures["rerun_seconds"]} s.
Load average at the end of the run (1, 5, 15 min): {", ".join(str(x) for x in figures["load_average"])}.
"""
    )
    log(f"[{database}] Sacrum {s['all']:,} rows/s, raw {r['all']:,} rows/s, ratio {q['all']}")


def run_child(database: str, url: str, data_dir: str, args: argparse.Namespace) -> int:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SACRUM_DATA_DIR": data_dir,
        "SACRUM_ENV": "development",
    }
    command = [
        sys.executable,
        __file__,
        "--worker",
        database,
        "--clients",
        str(args.clients),
        "--appointments",
        str(args.appointments),
    ]
    if args.profile:
        command.append("--profile")
    return subprocess.call(command, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--appointments", type=int, default=300_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.clients, args.appointments, args.profile)
        return
    failures = 0
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="sacrum-bench-") as tmp:
            failures += run_child("sqlite", f"sqlite:///{tmp}/bench.sqlite3", tmp, args) != 0
    if args.db in ("postgres", "both"):
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            admin.execute(f"CREATE DATABASE {PG_NAME}")
        try:
            with tempfile.TemporaryDirectory(prefix="sacrum-bench-") as tmp:
                failures += run_child("postgresql", PG_URL, tmp, args) != 0
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
