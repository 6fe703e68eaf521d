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

import datetime as dt
import time
from pathlib import Path
from typing import Any

import harness  # benchmarks/harness.py: the script's own folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "availability.md"
PG_NAME = "sacrum_bench"
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


log = harness.log


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


def measure(label: str, run: Any) -> tuple[str, int, float, float, int]:
    row = harness.measure(label, run, RUNS)
    return row.label, row.queries, row.median_ms, row.best_ms, row.found


def worker(database: str, _args: Any = None) -> None:
    """Runs inside a child process whose environment already points at the fresh database."""
    harness.setup_django()
    from django.core.management import call_command

    from sacrum.scheduling.slots import find_slots

    harness.log(f"[{database}] migrating a fresh database")
    call_command("migrate", verbosity=0)
    harness.log(f"[{database}] writing {PRACTITIONERS} practitioners x {WEEKS} weeks of bookings")
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
    harness.append_rows(RESULTS, HEADER, lines)


def main() -> None:
    harness.main(__file__, __doc__.splitlines()[0], worker, PG_NAME, RESULTS)


if __name__ == "__main__":
    main()
