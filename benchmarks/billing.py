"""Benchmark the billing reports: 100 000 invoices over 24 months.

    .venv/bin/python benchmarks/billing.py            # SQLite and PostgreSQL
    .venv/bin/python benchmarks/billing.py --db sqlite --invoices 5000   # a quick look

Each database is fresh: a SQLite file in a temporary directory, and the PostgreSQL
database ``sacrum_bench_billing`` (created and dropped here). The script writes, with
bulk inserts, 8 practitioners' completed sessions (one a session, four services), an
issued invoice for each (one line, every fifth a second "other" line, 20 % tax in the
price), payments for nine in ten (cash, card, transfer), some void invoices and some
credit notes, spread over the 24 months before the current one.

Then, in the same run, it times:
- **the month's revenue**: ``billing.reports.revenue`` for the last full month (what the
  reports page shows: by month, practitioner and service; four queries);
- the same over the last 12 months, the outstanding report and a day's takings;
- **the baseline**: one bare ``SELECT SUM(CASE kind ...)`` over the month's issued
  invoices through a raw cursor (the least any answer could ask of the database).
Each is the median (and best) of several runs after a warm-up; the month's gross from the
report must equal the baseline's sum. A dated row per database is appended to
``benchmarks/results/billing.md`` and ``billing.json``, with the load average.
Target: the month's revenue under 200 ms on either database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import harness  # benchmarks/harness.py: the script's own folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "billing.md"
RESULTS_JSON = ROOT / "benchmarks" / "results" / "billing.json"
PG_NAME = "sacrum_bench_billing"
INVOICES = 100_000
PRACTITIONERS = 8
CLIENTS = 2_000
HOURS = range(6, 23)  # one session an hour per practitioner, 17 a day
RUNS = 9
TARGET_MS = 200
BATCH = 5_000

HEADER = f"""# Billing reports benchmark

`benchmarks/billing.py`: one clinic, {PRACTITIONERS} practitioners, 4 services, {CLIENTS:,}
clients; a completed session and an issued invoice for each (a fifth with a second line,
20 % tax in the price), payments for nine in ten, 1 % void, 0.5 % corrected by a credit
note, over the 24 months before the current one (bulk inserts). "Month's revenue" is
`billing.reports.revenue` for the last full month, as the reports page asks it (by month,
practitioner, service); "baseline" is one bare `SELECT SUM(CASE …)` over the same
month's issued invoices through a raw cursor, timed in the same run. Times are the median
(and best) of {RUNS} runs after one warm-up, on this machine (2 cores shared with other
work; load average 1/5 min shown), after `ANALYZE` / `VACUUM ANALYZE`. Target: month's
revenue under {TARGET_MS} ms.

| date | database | invoices | case | queries | median ms | best ms | x baseline | load |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
"""

log = harness.log


def populate(invoices: int) -> dict[str, Any]:
    """The clinic and its money, bulk-inserted in one transaction (lines before invoices,
    as a restore loads them: the database refuses lines added to an issued invoice)."""
    from django.db import connection, transaction

    from sacrum.access.models import User
    from sacrum.access.roles import Role
    from sacrum.billing import money
    from sacrum.billing.models import (
        BillingSettings,
        Invoice,
        InvoiceLine,
        Kind,
        LineKind,
        Payment,
        Status,
    )
    from sacrum.billing.services import today_of
    from sacrum.clients.models import Client
    from sacrum.clinics.models import Clinic, Location, Membership
    from sacrum.scheduling.local_time import to_utc, zone
    from sacrum.scheduling.models import Appointment, AppointmentStatus, ServiceType

    clinic = Clinic.objects.create(name="Benchmark clinic", slug="bench", time_zone="Europe/London")
    BillingSettings.objects.create(clinic=clinic, tax_number="GB1", default_tax_rate=20)
    location = Location.objects.create(clinic=clinic, name="Main", time_zone="Europe/London")
    tz = zone(location.time_zone)
    owner = Membership.objects.create(
        clinic=clinic,
        user=User.objects.create(email="owner@bench.test", username="owner@bench.test"),
        role=Role.OWNER,
    )
    users = User.objects.bulk_create(
        User(email=f"p{i}@bench.test", username=f"p{i}@bench.test", full_name=f"Practitioner {i}")
        for i in range(PRACTITIONERS)
    )
    members = Membership.objects.bulk_create(
        Membership(clinic=clinic, user=u, role=Role.PRACTITIONER) for u in users
    )
    services = [
        ServiceType.objects.create(
            clinic=clinic, name=name, duration_minutes=50, price=Decimal(price), needs_room=False
        )
        for name, price in (
            ("First session", "90"),
            ("Follow-up", "75"),
            ("Short follow-up", "55"),
            ("Home visit", "120"),
        )
    ]
    clients = Client.objects.bulk_create(
        Client(
            clinic=clinic, first_name="Client", last_name=str(i), date_of_birth=dt.date(1980, 1, 1)
        )
        for i in range(CLIENTS)
    )
    today = today_of(clinic)
    this_month = today.replace(day=1)
    first_day = (this_month - dt.timedelta(days=730)).replace(day=1)
    days = (this_month - first_day).days
    per_day = PRACTITIONERS * len(HOURS)
    step = max(days * per_day // invoices, 1)  # spread over all 24 months
    started = time.perf_counter()
    made = {"appointments": 0, "invoices": 0, "lines": 0, "payments": 0, "credit_notes": 0}
    methods = ("card", "card", "cash", "transfer")

    def amounts(price: Decimal) -> money.Amounts:
        return money.line_amounts(
            quantity=Decimal(1),
            unit_price=price,
            discount_percent=Decimal(0),
            tax_rate=Decimal(20),
            prices_include_tax=True,
            currency="GBP",
        )

    extra = amounts(Decimal("12"))
    number = 0
    with transaction.atomic():
        batch: dict[str, list[Any]] = {"a": [], "l": [], "i": [], "p": []}

        def flush() -> None:
            Appointment.objects.bulk_create(batch["a"], batch_size=1000)
            InvoiceLine.objects.bulk_create(batch["l"], batch_size=1000)
            Invoice.objects.bulk_create(batch["i"], batch_size=1000)
            Payment.objects.bulk_create(batch["p"], batch_size=1000)
            for key in batch:
                batch[key] = []

        for n in range(invoices):
            slot = (n * step) % (days * per_day) if step > 1 else n
            day = first_day + dt.timedelta(days=slot // per_day)
            within = slot % per_day
            who = members[within % PRACTITIONERS]
            start = to_utc(day, dt.time(HOURS[within // PRACTITIONERS]), tz)
            service = services[n % len(services)]
            appointment = Appointment(
                id=uuid.uuid4(),
                clinic=clinic,
                client=clients[n % CLIENTS],
                practitioner=who,
                service=service,
                location=location,
                start=start,
                end=start + dt.timedelta(minutes=50),
                blocked_start=start,
                blocked_end=start + dt.timedelta(minutes=50),
                status=AppointmentStatus.COMPLETED,
            )
            session = amounts(service.price)
            lines = [(LineKind.SERVICE, service, service.price, session)]
            if n % 5 == 0:
                lines.append((LineKind.OTHER, None, Decimal("12"), extra))
            total = money.total(x[3] for x in lines)
            number += 1
            void = n % 100 == 7
            invoice = Invoice(
                id=uuid.uuid4(),
                clinic=clinic,
                client=appointment.client,
                kind=Kind.INVOICE,
                appointment=appointment,
                status=Status.VOID if void else Status.ISSUED,
                number=number,
                number_text=f"INV-{number:06d}",
                currency="GBP",
                net_total=total.net,
                tax_total=total.tax,
                total=total.gross,
                bill_to=f"Client {n % CLIENTS}",
                issued_on=day,
                due_on=day + dt.timedelta(days=14),
                issued_at=start,
                voided_at=start + dt.timedelta(days=1) if void else None,
                void_reason="Made out by mistake" if void else "",
            )
            batch["a"].append(appointment)
            batch["i"].append(invoice)
            for position, (kind, svc, price, part) in enumerate(lines):
                batch["l"].append(
                    InvoiceLine(
                        invoice=invoice,
                        position=position,
                        kind=kind,
                        description=svc.name if svc else "Remedial exercise sheet",
                        service=svc,
                        unit_price=price,
                        tax_rate=Decimal(20),
                        net=part.net,
                        tax=part.tax,
                        gross=part.gross,
                    )
                )
            made["lines"] += len(lines)
            if not void and n % 10 != 3:
                paid_on = min(day + dt.timedelta(days=n % 9), today)
                batch["p"].append(
                    Payment(
                        clinic=clinic,
                        client=appointment.client,
                        invoice=invoice,
                        method=methods[n % len(methods)],
                        amount=total.gross,
                        currency="GBP",
                        received_on=paid_on,
                    )
                )
                made["payments"] += 1
            if not void and n % 200 == 11:  # a credit note for the session line
                number += 1
                note = Invoice(
                    id=uuid.uuid4(),
                    clinic=clinic,
                    client=appointment.client,
                    kind=Kind.CREDIT_NOTE,
                    credits=invoice,
                    status=Status.ISSUED,
                    number=number,
                    number_text=f"INV-{number:06d}",
                    currency="GBP",
                    net_total=session.net,
                    tax_total=session.tax,
                    total=session.gross,
                    reason="Session cut short",
                    issued_on=min(day + dt.timedelta(days=3), today),
                    issued_at=start + dt.timedelta(days=3),
                )
                batch["l"].append(
                    InvoiceLine(
                        invoice=note,
                        kind=LineKind.SERVICE,
                        description=service.name,
                        service=service,
                        unit_price=service.price,
                        tax_rate=Decimal(20),
                        net=session.net,
                        tax=session.tax,
                        gross=session.gross,
                    )
                )
                batch["i"].append(note)
                made["credit_notes"] += 1
                made["lines"] += 1
            made["appointments"] += 1
            made["invoices"] += 1
            if len(batch["i"]) >= BATCH:
                flush()
                log(
                    f"  {made['invoices']:>7,} invoices written ({time.perf_counter() - started:.0f} s)"
                )
        flush()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    log(f"  written in {time.perf_counter() - started:.0f} s: {made}")
    last_month_end = this_month - dt.timedelta(days=1)
    return {
        "clinic": clinic,
        "owner": owner,
        "made": made,
        "month": (last_month_end.replace(day=1), last_month_end),
        "year": ((this_month - dt.timedelta(days=365)).replace(day=1), last_month_end),
        "day": last_month_end,
        "seconds": time.perf_counter() - started,
    }


def worker(database: str, args: argparse.Namespace) -> None:
    """Runs in a child process whose environment points at the fresh database."""
    harness.setup_django()
    from django.core.management import call_command
    from django.db import connection

    from sacrum.billing import reports
    from sacrum.billing.models import Invoice
    from sacrum.kernel.actor import Actor

    log(f"[{database}] migrating a fresh database")
    call_command("migrate", verbosity=0)
    log(f"[{database}] writing {args.invoices:,} invoices")
    data = populate(args.invoices)
    actor = Actor.system(data["owner"])
    month = reports.Period(*data["month"])
    year = reports.Period(*data["year"])
    clinic_value = Invoice._meta.get_field("clinic").get_db_prep_value(
        data["clinic"].pk, connection
    )
    table = Invoice._meta.db_table
    bare = (
        f"SELECT SUM(CASE WHEN kind = 'credit_note' THEN -total ELSE total END) FROM {table} "
        "WHERE clinic_id = %s AND status = 'issued' AND issued_on >= %s AND issued_on <= %s"
    )
    seen: dict[str, Any] = {}

    def baseline() -> int:
        with connection.cursor() as cursor:
            cursor.execute(bare, [clinic_value, month.first, month.last])
            seen["baseline"] = Decimal(str(cursor.fetchone()[0] or 0))
        return 1

    def month_revenue() -> int:
        found = reports.revenue(actor, month)
        seen["month"] = found.total.gross
        return len(found.by_practitioner) + len(found.by_service)

    def year_revenue() -> int:
        return len(reports.revenue(actor, year).by_month)

    def outstanding() -> int:
        return len(reports.outstanding(actor).rows)

    def takings() -> int:
        return reports.takings(actor, data["day"]).total.payments

    cases = [
        ("baseline: bare SUM over the month", baseline),
        ("month's revenue", month_revenue),
        ("12 months' revenue", year_revenue),
        ("outstanding by age", outstanding),
        ("a day's takings", takings),
    ]
    rows = [harness.measure(label, run, args.runs) for label, run in cases]
    base = rows[0].median_ms
    same = abs(seen["month"] - seen["baseline"]) < Decimal("0.01")
    stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    load = harness.load_average()
    lines = []
    for row in rows:
        ratio = row.median_ms / base if base else 0
        lines.append(
            f"| {stamp} | {database} | {data['made']['invoices']:,} | {row.label} | "
            f"{row.queries} | {row.median_ms:.2f} | {row.best_ms:.2f} | {ratio:.1f} | {load} |"
        )
        log(
            f"[{database}] {row.label}: {row.queries} queries, median {row.median_ms:.1f} ms, "
            f"best {row.best_ms:.1f} ms, {ratio:.1f}x baseline"
        )
    month_row = rows[1]
    verdict = "met" if month_row.median_ms < TARGET_MS else "MISSED"
    lines.append(
        f"| {stamp} | {database} | | month's gross {seen['month']:.2f} = baseline "
        f"{seen['baseline']:.2f}: {'yes' if same else 'NO'}; target {TARGET_MS} ms {verdict} "
        f"| | | | | |"
    )
    harness.append_rows(RESULTS, HEADER, lines)
    entries = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else []
    entries.append(
        {
            "date": stamp,
            "database": database,
            "made": data["made"],
            "seed_seconds": round(data["seconds"], 1),
            "month": [month.first.isoformat(), month.last.isoformat()],
            "load_average": load,
            "same_figure_as_baseline": same,
            "target_ms": TARGET_MS,
            "target_met": month_row.median_ms < TARGET_MS,
            "cases": [
                {
                    "case": r.label,
                    "queries": r.queries,
                    "median_ms": round(r.median_ms, 2),
                    "best_ms": round(r.best_ms, 2),
                    "ratio_to_baseline": round(r.median_ms / base, 2) if base else None,
                }
                for r in rows
            ],
        }
    )
    RESULTS_JSON.write_text(json.dumps(entries, indent=2) + "\n")
    if not same:
        raise SystemExit("The report's month does not match the baseline's sum")


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--invoices", type=int, default=INVOICES)
    parser.add_argument("--runs", type=int, default=RUNS)


if __name__ == "__main__":
    harness.main(__file__, __doc__ or "", worker, PG_NAME, RESULTS, _arguments)
