"""Benchmark the directory search: 5 000 listed practitioners in 500 clinics.

    .venv/bin/python benchmarks/directory.py            # SQLite and PostgreSQL
    .venv/bin/python benchmarks/directory.py --db sqlite

Each database is fresh (a SQLite file in a temporary directory; the PostgreSQL database
``sacrum_bench_directory``, created and dropped here). 500 clinics are spread over the
40 largest British towns of the gazetteer at least 30 km apart (a few kilometres apart), each with one location, two rooms, two services and
ten listed practitioners working Mon-Fri 09:00-17:00, with two bookings a day each for the
next two weeks. The script then times a search by place and condition with the next free
time for a page of 20 results (the selector, and the whole page through Django's test
client), counts its queries, and runs a bare Django query in the same run as the baseline;
then it rewrites the SMART Scheduling Links slot feed for all of them (``feed.refresh``).
A dated row per case and database is appended to ``benchmarks/results/directory.md``, with
the load average and the ratio to the bare query of the same run.
Targets: at most 6 queries, under 150 ms.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from pathlib import Path
from typing import Any

import harness  # benchmarks/harness.py: the script's own folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "directory.md"
PG_NAME = "sacrum_bench_directory"
CLINICS = 500
PER_CLINIC = 10
DAYS = 14
RUNS = 9
TOWNS = 40  # the most populous British towns of the gazetteer
SPACING_KM = 30
FEED_RUNS = 3

HEADER = f"""# Directory search benchmark

`benchmarks/directory.py`: {CLINICS} clinics x {PER_CLINIC} listed practitioners
({CLINICS * PER_CLINIC:,}), spread over the 40 largest British towns at least 30 km apart; Mon-Fri 09:00-17:00; two
bookings a day each for {DAYS} days; two services (one needs a room). "search" is
`directory.selectors.search` for a page of 20 (place + condition, next free time for
each); "page" is the whole `/directory/?…` request through Django's test client
(middleware, form, template). "bare" is the baseline in the same run: one plain ORM query
of 20 listed profiles with their clinic; "x bare" is a case's median over the bare
query's median. "feed" is `directory.feed.refresh` (every Location, Schedule and free or
busy Slot of the next 14 days, written to the database); its "results" is the number of
NDJSON lines. Median (and best) of {RUNS} runs ({FEED_RUNS} for the feed) after a warm-up,
on this machine (2 cores, shared: "load" is the 1- and 5-minute load average when the row
was written). Targets: at most 6 queries, 150 ms.

| date | database | load | practitioners | what | queries | median ms | best ms | x bare | results |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
"""


log = harness.log


def populate() -> int:
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from sacrum.access.models import User
    from sacrum.access.roles import Role
    from sacrum.clients.models import Client, Condition
    from sacrum.clinics.models import (
        Clinic,
        Location,
        Membership,
        PractitionerProfile,
        Profession,
        Room,
    )
    from sacrum.directory.models import Listing
    from sacrum.directory.places import Place, distance_km, gazetteer
    from sacrum.scheduling.local_time import to_utc, zone
    from sacrum.scheduling.models import Appointment, ServiceType, WeeklyHours

    rng = random.Random(14)
    # The largest British towns at least SPACING_KM from each other (not five London
    # boroughs), so each town's clinics are its own and a search's load is comparable.
    biggest: list[Any] = []
    for town in sorted(
        (t for ts in gazetteer().names.values() for t in ts if t.country == "GB"),
        key=lambda t: -t.population,
    ):
        if all(
            distance_km(town.latitude, town.longitude, b.latitude, b.longitude) >= SPACING_KM
            for b in biggest
        ):
            biggest.append(town)
        if len(biggest) == TOWNS:
            break
    towns = sorted((Place(t.name, t.latitude, t.longitude) for t in biggest), key=lambda p: p.name)
    conditions = [c for c in Condition.values if c != "other"]
    professions = [p for p in Profession.values]
    started = time.perf_counter()
    clinics = Clinic.objects.bulk_create(
        Clinic(
            name=f"Clinic {i:03}",
            slug=f"clinic-{i:03}",
            time_zone="Europe/London",
            directory_enabled=True,
        )
        for i in range(CLINICS)
    )
    locations = Location.objects.bulk_create(
        Location(
            clinic=c,
            name="Main",
            city=towns[i % len(towns)].name,
            postal_code=f"T{i % len(towns):02} {i:03}",
            country="GB",
            time_zone="Europe/London",
            latitude=Decimal(f"{towns[i % len(towns)].latitude + rng.uniform(-0.08, 0.08):.5f}"),
            longitude=Decimal(f"{towns[i % len(towns)].longitude + rng.uniform(-0.12, 0.12):.5f}"),
        )
        for i, c in enumerate(clinics)
    )
    rooms = Room.objects.bulk_create(
        Room(location=loc, name=name) for loc in locations for name in ("A", "B")
    )
    users = User.objects.bulk_create(
        User(email=f"p{i}@bench.test", username=f"p{i}@bench.test", full_name=f"P {i}")
        for i in range(CLINICS * PER_CLINIC)
    )
    members = Membership.objects.bulk_create(
        Membership(clinic=clinics[i // PER_CLINIC], user=u, role=Role.PRACTITIONER)
        for i, u in enumerate(users)
    )
    profiles = PractitionerProfile.objects.bulk_create(
        PractitionerProfile(
            membership=m,
            display_name=f"Practitioner {i:04}",
            profession=rng.choice(professions),
            languages=["English"] + (["German"] if i % 5 == 0 else []),
            listed_publicly=True,
        )
        for i, m in enumerate(members)
    )
    Listing.objects.bulk_create(
        Listing(profile=p, slug=f"practitioner-{i:04}", conditions=rng.sample(conditions, 3))
        for i, p in enumerate(profiles)
    )
    services = []
    for c in clinics:
        services.append(ServiceType(clinic=c, name="Session", needs_room=False))
        services.append(ServiceType(clinic=c, name="First visit", duration_minutes=75))
    services = ServiceType.objects.bulk_create(services)
    through = ServiceType.practitioners.through
    through.objects.bulk_create(
        through(servicetype=s, membership=m)
        for i, m in enumerate(members)
        for s in services[2 * (i // PER_CLINIC) : 2 * (i // PER_CLINIC) + 2]
    )
    WeeklyHours.objects.bulk_create(
        WeeklyHours(
            practitioner=m,
            location=locations[i // PER_CLINIC],
            weekday=wd,
            start_time=dt.time(9),
            end_time=dt.time(17),
        )
        for i, m in enumerate(members)
        for wd in range(5)
    )
    clients = Client.objects.bulk_create(
        Client(
            clinic=clinics[i // PER_CLINIC],
            first_name="C",
            last_name=str(i),
            date_of_birth=dt.date(1980, 1, 1),
        )
        for i in range(len(members))
    )
    tz = zone("Europe/London")
    today = timezone.localdate()
    batch: list[Any] = []
    total = 0
    for offset in range(DAYS):
        day = today + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for hhmm in ("10:00", "15:00"):
            start = to_utc(day, dt.time.fromisoformat(hhmm), tz)
            end = start + dt.timedelta(minutes=50)
            for i, m in enumerate(members):
                k = i // PER_CLINIC
                batch.append(
                    Appointment(
                        clinic=clinics[k],
                        client=clients[i],
                        practitioner=m,
                        service=services[2 * k],
                        location=locations[k],
                        room=rooms[2 * k + (i % 2)] if i % PER_CLINIC < 2 else None,
                        start=start,
                        end=end,
                        blocked_start=start,
                        blocked_end=end + dt.timedelta(minutes=10),
                    )
                )
        Appointment.objects.bulk_create(batch, batch_size=2000)
        total += len(batch)
        batch = []
        log(f"  {total:>7} bookings written ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return len(members)


def worker(database: str, _args: Any = None) -> None:
    harness.setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client as HttpClient
    from django.utils import timezone

    from sacrum.clinics.models import PractitionerProfile
    from sacrum.directory import feed, selectors

    settings.ALLOWED_HOSTS = ["*"]
    if os.environ.get("SACRUM_BENCH_REUSE"):  # a database filled by an earlier run
        practitioners = PractitionerProfile.objects.count()
    else:
        log(f"[{database}] migrating a fresh database")
        call_command("migrate", verbosity=0)
        log(f"[{database}] writing {CLINICS} clinics x {PER_CLINIC} practitioners")
        practitioners = populate()

    def search(**query: Any) -> Any:
        def run() -> int:
            result = selectors.search(selectors.SearchQuery(**query), timezone.now())
            assert all(card.next_free is not None for card in result.cards)
            return len(result.cards)

        return run

    http = HttpClient()

    def page() -> int:
        response = http.get("/directory/?place=Bristol&radius=25&condition=neck_pain")
        assert response.status_code == 200
        return response.content.decode().count('class="result-name"')

    def bare() -> int:
        return len(
            list(
                PractitionerProfile.objects.filter(listed_publicly=True).select_related(
                    "membership__clinic"
                )[:20]
            )
        )

    def refresh() -> int:
        return feed.refresh(timezone.now())

    measure = harness.measure
    rows = [
        measure("bare: 20 listed profiles, one query", bare, RUNS),
        measure(
            "search: Bristol (town) + neck pain, 25 km",
            search(place="Bristol", radius_km=25, condition="neck_pain"),
            RUNS,
        ),
        measure(
            "search: postcode T07 (listed locations) + back pain, 25 km",
            search(place="T07", radius_km=25, condition="back_pain"),
            RUNS,
        ),
        measure(
            "search: Bristol + neck pain + free this week, 50 km",
            search(place="Bristol", radius_km=50, condition="neck_pain", free_this_week=True),
            RUNS,
        ),
        measure("page: GET /directory/?place=Bristol&condition=neck_pain", page, RUNS),
        measure("feed: refresh the slot feed (all listed practitioners)", refresh, FEED_RUNS),
    ]
    from sacrum.directory.models import FeedFile

    size = sum(len(body.encode()) for body in FeedFile.objects.values_list("body", flat=True))
    log(f"[{database}] feed size {size / 1e6:.1f} MB")
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    load = harness.load_average()
    bare_ms = rows[0].median_ms
    lines = []
    for row in rows:
        ratio = row.median_ms / bare_ms if bare_ms else 0.0
        lines.append(
            f"| {stamp} | {database} | {load} | {practitioners:,} | {row.label} | {row.queries} | "
            f"{row.median_ms:.0f} | {row.best_ms:.0f} | {ratio:.1f} | {row.found:,} |"
        )
        log(
            f"[{database}] {row.label}: {row.queries} queries, median {row.median_ms:.0f} ms, "
            f"best {row.best_ms:.0f} ms, {ratio:.1f}x bare, {row.found:,} results, load {load}"
        )
    harness.append_rows(RESULTS, HEADER, lines)


def main() -> None:
    harness.main(__file__, __doc__.splitlines()[0], worker, PG_NAME, RESULTS)


if __name__ == "__main__":
    main()
