"""Benchmark the availability engine: 200 practitioners x 8 weeks (~40 000 bookings).

    .venv/bin/python benchmarks/availability.py            # SQLite and PostgreSQL
    .venv/bin/python benchmarks/availability.py --db sqlite

Each database is fresh: a SQLite file in a temporary directory, and the PostgreSQL
database ``sacrum_bench`` (created and dropped here). The script fills it, then times
the slot search for the whole range — every practitioner, every day — and counts its
queries. A dated row per database is appended to ``benchmarks/results/availability.md``.
Targets: at most 5 queries, under 200 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "availability.md"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgres://postgres@127.0.0.1:5432/sacrum_bench"
PRACTITIONERS = 200
WEEKS = 8
PER_DAY = ("09:00", "10:00", "11:00", "14:00", "15:00")  # 50 min + 10 min buffer each
RUNS = 7

HEADER = f"""# Availability engine benchmark

`benchmarks/availability.py`: {PRACTITIONERS} practitioners with Mon-Fri 09:00-17:00 hours, {WEEKS} weeks,
5 bookings per practitioner per working day, a 50-minute service with a 10-minute buffer,
15-minute grid. "Whole range" is one slot search over every practitioner and every day.
Times are the median (and best) of {RUNS} runs after one warm-up, on this machine (2 cores,
shared with other work, so expect noise), after `VACUUM ANALYZE` / `ANALYZE` of the load.

| date | database | bookings | search | queries | median ms | best ms | free slots |
| --- | --- | --- | --- | --- | --- | --- | --- |
"""


def log(message: str) -> None:
    print(message, flush=True)


def populate() -> dict:
    """Create the clinic and ~40 000 bookings with bulk inserts; return what the search needs."""
    from django.utils import timezone

    from sacrum.access.models import User
    from sacrum.access.roles import Role
    from sacrum.clients.models import Client
    from sacrum.clinics.models import Clinic, Location, Membership, Room
    from sacrum.scheduling.local_time import to_utc, zone
    from sacrum.scheduling.models import Appointment, ServiceType, WeeklyHours

    clinic = Clinic.objects.create(name="Benchmark clinic", slug="bench", time_zone="Europe/London")
    location = Location.objects.create(clinic=clinic, name="Main", time_zone="Europe/London")
    tz = zone(location.time_zone)
    users = User.objects.bulk_create(
        User(email=f"p{i}@bench.test", username=f"p{i}@bench.test", full_name=f"Practitioner {i}")
        for i in range(PRACTITIONERS)
    )
    members = Membership.objects.bulk_create(
        Membership(clinic=clinic, user=u, role=Role.PRACTITIONER) for u in users
    )
    rooms = Room.objects.bulk_create(
        Room(location=location, name=f"Room {i:03}") for i in range(PRACTITIONERS)
    )
    plain = ServiceType.objects.create(
        clinic=clinic,
        name="Follow-up",
        duration_minutes=50,
        buffer_after_minutes=10,
        needs_room=False,
    )
    roomy = ServiceType.objects.create(
        clinic=clinic,
        name="Follow-up in a room",
        duration_minutes=50,
        buffer_after_minutes=10,
        needs_room=True,
    )
    plain.practitioners.set(members)
    roomy.practitioners.set(members)
    WeeklyHours.objects.bulk_create(
        WeeklyHours(
            practitioner=m,
            location=location,
            weekday=wd,
            start_time=dt.time(9),
            end_time=dt.time(17),
        )
        for m in members
        for wd in range(5)
    )
    clients = Client.objects.bulk_create(
        Client(
            clinic=clinic, first_name="Client", last_name=str(i), date_of_birth=dt.date(1980, 1, 1)
        )
        for i in range(len(PER_DAY) * PRACTITIONERS)
    )
    today = timezone.localdate()
    first = today + dt.timedelta(days=7 - today.weekday())
    days = [first + dt.timedelta(days=i) for i in range(WEEKS * 7)]
    working = [d for d in days if d.weekday() < 5]
    started = time.perf_counter()
    batch: list[Appointment] = []
    total = 0
    for day in working:
        for k, hhmm in enumerate(PER_DAY):
            start = to_utc(day, dt.time.fromisoformat(hhmm), tz)
            end = start + dt.timedelta(minutes=50)
            for i, member in enumerate(members):
                batch.append(
                    Appointment(
                        clinic=clinic,
                        client=clients[i * len(PER_DAY) + k],
                        practitioner=member,
                        service=plain,
                        location=location,
                        room=rooms[i],
                        start=start,
                        end=end,
                        blocked_start=start,
                        blocked_end=end + dt.timedelta(minutes=10),
                    )
                )
        if len(batch) >= 5000 or day == working[-1]:
            Appointment.objects.bulk_create(batch, batch_size=1000)
            total += len(batch)
            batch = []
            log(f"  {total:>6} bookings written ({time.perf_counter() - started:.0f} s)")
    from django.db import connection

    # What autovacuum does after a bulk load: fresh statistics and a visibility map.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "plain": plain,
        "roomy": roomy,
        "location": location,
        "first": days[0],
        "last": days[-1],
        "bookings": total,
        "one": members[0],
    }


def measure(label: str, run) -> tuple[str, int, float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run()  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        slots = run()
    queries = len(ctx.captured_queries)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return label, queries, statistics.median(times), min(times), slots


def worker(database: str) -> None:
    """Runs inside a child process whose environment already points at the fresh database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
    django.setup()
    from django.core.management import call_command

    from sacrum.scheduling.slots import find_slots

    log(f"[{database}] migrating a fresh database")
    call_command("migrate", verbosity=0)
    log(f"[{database}] writing {PRACTITIONERS} practitioners x {WEEKS} weeks of bookings")
    data = populate()

    def search(service, **extra):
        def run() -> int:
            return find_slots(
                service=service,
                location=data["location"],
                first_day=data["first"],
                last_day=data["last"],
                **extra,
            ).count()

        return run

    rows = [
        measure("whole range, all practitioners", search(data["plain"])),
        measure("whole range, all practitioners, rooms", search(data["roomy"])),
        measure(
            "whole range, one practitioner",
            search(data["plain"], practitioner_ids=[data["one"].pk]),
        ),
    ]
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = []
    for label, queries, median, best, slots in rows:
        lines.append(
            f"| {stamp} | {database} | {data['bookings']:,} | {label} | {queries} | "
            f"{median:.0f} | {best:.0f} | {slots:,} |"
        )
        log(
            f"[{database}] {label}: {queries} queries, median {median:.0f} ms, "
            f"best {best:.0f} ms, {slots:,} free slots"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if not RESULTS.exists():
        RESULTS.write_text(HEADER)
    with RESULTS.open("a") as out:
        out.write("\n".join(lines) + "\n")


def run_child(database: str, url: str, data_dir: str) -> int:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SACRUM_DATA_DIR": data_dir,
        "SACRUM_ENV": "development",
    }
    return subprocess.call([sys.executable, __file__, "--worker", database], env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    failures = 0
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="sacrum-bench-") as tmp:
            failures += run_child("sqlite", f"sqlite:///{tmp}/bench.sqlite3", tmp) != 0
    if args.db in ("postgres", "both"):
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS sacrum_bench")
            admin.execute("CREATE DATABASE sacrum_bench")
        try:
            with tempfile.TemporaryDirectory(prefix="sacrum-bench-") as tmp:
                failures += run_child("postgresql", PG_URL, tmp) != 0
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute("DROP DATABASE IF EXISTS sacrum_bench WITH (FORCE)")
    log(f"Results appended to {RESULTS.relative_to(ROOT)}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
