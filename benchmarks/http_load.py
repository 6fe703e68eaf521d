"""Requests per second where people wait: Sacrum beside a bare Django baseline, in one run.

    .venv/bin/python benchmarks/http_load.py                 # SQLite, then PostgreSQL
    .venv/bin/python benchmarks/http_load.py --db sqlite --duration 10 --rounds 2

For each database the script seeds the demo clinic into a fresh database (a SQLite file in
a temporary folder; on PostgreSQL the database ``sacrum_bench_http``, re-created), starts
``sacrum serve`` (gunicorn, 2 sync workers) and, on the same database settings, a bare
Django + django-ninja project (``benchmarks/baseline``: no middleware, three primary-key
reads; a read and an insert in one transaction; a hello). ``wrk`` (Debian's package,
installed here if missing) drives every path for ``--duration`` seconds with 16
connections, baseline and Sacrum interleaved, for ``--rounds`` rounds; the median of the
rounds is written with p50/p99 latency and the ratio to the matching baseline to
``benchmarks/results/http-<database>.md`` (and ``.json``).

The machine is shared, so only ratios within one run mean anything; the load average at
the start and end of each database's run is recorded beside the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_SACRUM = "postgres://postgres@127.0.0.1:5432/sacrum_bench_http"
PG_BARE = "postgres://postgres@127.0.0.1:5432/sacrum_bench_http_bare"
CONNECTIONS = 16
WORKERS = 2
BOOKINGS = 4000

# Run inside Sacrum (its settings, the seeded database): sign-ins, ids and free times.
SACRUM_FIXTURE = r"""
import datetime as dt, json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
django.setup()
from django.test import Client as Browser
from django.utils import timezone
from sacrum.access.tokens import create_token
from sacrum.charting.models import SessionNote
from sacrum.clinics.models import Clinic, Membership
from sacrum.kernel.actor import Actor
from sacrum.scheduling.models import Appointment, ServiceType
from sacrum.scheduling.slots import find_slots
from sacrum.clients.models import Client

clinic = Clinic.objects.order_by("created_at").first()
owner = Membership.objects.get(clinic=clinic, role="owner", active=True)
note = SessionNote.objects.filter(clinic=clinic, status="draft").select_related("author").first()
author = note.author

def session(member):
    browser = Browser()
    browser.force_login(member.user)
    stored = browser.session
    stored["sacrum_clinic"] = str(member.clinic_id)  # the clinic being measured
    stored.save()
    return browser.cookies["sessionid"].value

token = create_token(actor=Actor.system(owner), name="benchmark")[1]
day = timezone.localdate()
service = ServiceType.objects.filter(clinic=clinic, active=True).order_by("duration_minutes").first()
location = clinic.locations.order_by("name").first()
slots = []
first = day + dt.timedelta(days=30)
for window in range(8):
    start = first + dt.timedelta(days=92 * window)
    found = find_slots(service=service, location=location, first_day=start,
                       last_day=start + dt.timedelta(days=91), not_before=timezone.now())
    slots += found.slots(limit=100000)
# One booking at a time of the clinic's day, buffers included: never two at once, so no
# practitioner, room or client is asked for twice.
gap = dt.timedelta(minutes=service.buffer_before_minutes + service.buffer_after_minutes)
chosen, last_end = [], None
for slot in sorted(slots, key=lambda s: s.start):
    if last_end is None or slot.start >= last_end:
        chosen.append(slot)
        last_end = slot.end + gap
clients = list(Client.objects.filter(clinic=clinic, erased_at__isnull=True).values_list("pk", flat=True))
bookings = [
    {"client_id": str(clients[n % len(clients)]), "practitioner_id": str(s.practitioner_id),
     "service_id": str(service.pk), "location_id": str(location.pk),
     "start": s.start.isoformat()}
    for n, s in enumerate(chosen[:int(sys.argv[1])])
]
json.dump({
    "token": token,
    "owner_session": session(owner),
    "author_session": session(author),
    "client_id": str(note.client_id),
    "note_id": str(note.pk),
    "day": day.isoformat(),
    "bookings": bookings,
}, sys.stdout)
"""

BARE_FIXTURE = r"""
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.baseline.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", run_syncdb=True, verbosity=0)
from benchmarks.baseline.models import Item
Item.objects.bulk_create([Item(name=f"item {n}", price=n) for n in range(1, 101)])
"""

POST_LUA = r"""
local bodies = {}
for line in io.lines(os.getenv("WRK_BODIES")) do bodies[#bodies + 1] = line end
-- Each run goes on where the previous one stopped, so every booking asks for a new time.
local n = tonumber(os.getenv("WRK_OFFSET") or "0")
request = function()
  n = n + 1
  local body = bodies[((n - 1) % #bodies) + 1]
  return wrk.format("POST", nil, nil, body)
end
"""


@dataclass
class Path_:
    name: str
    server: str  # "sacrum" or "bare"
    path: str
    baseline: str | None = None  # name of the bare path it is compared with
    headers: tuple[str, ...] = ()
    post: str | None = None  # file of one JSON body per line


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    requests: int


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("==> installing wrk from Debian")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def psql(sql: str) -> None:
    subprocess.run(
        [
            str(BIN / "python"),
            "-c",
            f"import psycopg; c=psycopg.connect({PG_ADMIN!r}, autocommit=True); c.execute({sql!r})",
        ],
        check=True,
    )


def fresh(db: str, work: Path) -> tuple[str, str]:
    if db == "sqlite":
        return f"sqlite:///{work / 'sacrum.sqlite3'}", f"sqlite:///{work / 'bare.sqlite3'}"
    for url in (PG_SACRUM, PG_BARE):
        name = url.rsplit("/", 1)[1]
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql(f"CREATE DATABASE {name}")
    return PG_SACRUM, PG_BARE


def wait_up(url: str, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited ({process.returncode}) before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"no answer from {url}")


SENT: dict[str, int] = {}  # bodies used so far per POST path, across rounds


def wrk(
    binary: str, base: str, path: Path_, seconds: int, connections: int = CONNECTIONS
) -> Result:
    command = [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in path.headers:
        command += ["-H", header]
    env = dict(os.environ)
    if path.post:
        script = Path(path.post).with_suffix(".lua")
        script.write_text(POST_LUA)
        command += ["-s", str(script), "-H", "Content-Type: application/json"]
        env["WRK_BODIES"] = path.post
        env["WRK_OFFSET"] = str(SENT.get(path.name, 0))
    out = subprocess.run(
        [*command, base + path.path], capture_output=True, text=True, env=env, check=True
    ).stdout
    sent = int(_find(r"(\d+) requests in", out))
    if path.post:
        # wrk may open a few more requests than it completes; skip past those too.
        SENT[path.name] = SENT.get(path.name, 0) + sent + CONNECTIONS
    return Result(
        rps=float(_find(r"Requests/sec:\s+([\d.]+)", out)),
        p50_ms=_ms(_find(r"50%\s+([\d.]+\w+)", out)),
        p99_ms=_ms(_find(r"99%\s+([\d.]+\w+)", out)),
        non_2xx=int(_find(r"Non-2xx or 3xx responses:\s+(\d+)", out, "0")),
        requests=int(_find(r"(\d+) requests in", out)),
    )


def _find(pattern: str, text: str, default: str | None = None) -> str:
    match = re.search(pattern, text)
    if match:
        return match.group(1)
    if default is not None:
        return default
    raise SystemExit(f"wrk output without {pattern!r}:\n{text}")


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def paths(fixture: dict[str, Any], bodies: Path) -> list[Path_]:
    token = (f"Authorization: Bearer {fixture['token']}",)
    owner = (f"Cookie: sessionid={fixture['owner_session']}",)
    author = (f"Cookie: sessionid={fixture['author_session']}",)
    day = dt.date.fromisoformat(fixture["day"])
    start, end = f"{day}T00:00:00Z", f"{day + dt.timedelta(days=1)}T00:00:00Z"
    client, note = fixture["client_id"], fixture["note_id"]
    return [
        Path_("bare hello", "bare", "/hello"),
        Path_("bare 3 primary-key reads", "bare", "/api/read3"),
        Path_("bare read + insert (POST)", "bare", "/api/write", post=str(bodies) + ".bare"),
        Path_("GET /healthz", "sacrum", "/healthz", "bare hello"),
        Path_("GET /api/v1/me", "sacrum", "/api/v1/me", "bare 3 primary-key reads", token),
        Path_(
            "GET /api/v1/appointments (one day)",
            "sacrum",
            f"/api/v1/appointments?date_from={start}&date_to={end}",
            "bare 3 primary-key reads",
            token,
        ),
        Path_(
            "GET /api/v1/clients?page_size=50",
            "sacrum",
            "/api/v1/clients?page_size=50",
            "bare 3 primary-key reads",
            token,
        ),
        Path_(
            "POST /api/v1/appointments",
            "sacrum",
            "/api/v1/appointments",
            "bare read + insert (POST)",
            token,
            post=str(bodies),
        ),
        Path_("dashboard (owner)", "sacrum", "/", "bare 3 primary-key reads", owner),
        Path_(
            "calendar week",
            "sacrum",
            f"/calendar/?view=week&date={day}",
            "bare 3 primary-key reads",
            owner,
        ),
        Path_("client page", "sacrum", f"/clients/{client}/", "bare 3 primary-key reads", author),
        Path_("note editor", "sacrum", f"/notes/{note}/", "bare 3 primary-key reads", author),
        Path_(
            "start the note (form)",
            "sacrum",
            f"/clients/{client}/notes/new",
            "bare 3 primary-key reads",
            author,
        ),
        Path_(
            "review and sign (page)",
            "sacrum",
            f"/notes/{note}/sign",
            "bare 3 primary-key reads",
            author,
        ),
    ]


def check_answers(base: dict[str, str], every: list[Path_]) -> None:
    """Each GET answers 200 before it is timed, so a redirect to sign-in is not measured."""
    for path in every:
        if path.post:
            continue
        request = urllib.request.Request(base[path.server] + path.path)
        for header in path.headers:
            key, value = header.split(": ", 1)
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, url = answer.status, answer.url
        except urllib.error.HTTPError as error:
            status, url = error.code, request.full_url
        if status != 200 or url != request.full_url:
            raise SystemExit(f"{path.name}: {status} at {url}")


def run(db: str, seconds: int, rounds: int) -> dict[str, Any]:
    binary = ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix=f"sacrum-http-{db}-"))
    sacrum_url, bare_url = fresh(db, work)
    env = {**os.environ, "SACRUM_DATA_DIR": str(work), "DATABASE_URL": sacrum_url}
    env.pop("SACRUM_ENV", None)
    log(f"==> {db}: seeding the demo")
    subprocess.run(
        [str(BIN / "sacrum"), "demo", "--seed-only"], env=env, check=True, capture_output=True
    )
    fixture = json.loads(
        subprocess.run(
            [str(BIN / "python"), "-c", SACRUM_FIXTURE, str(BOOKINGS)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    bodies = work / "bookings.jsonl"
    bodies.write_text("\n".join(json.dumps(b) for b in fixture["bookings"]) + "\n")
    Path(str(bodies) + ".bare").write_text("{}\n")
    bare_env = {**os.environ, "DATABASE_URL": bare_url, "PYTHONPATH": str(ROOT)}
    subprocess.run([str(BIN / "python"), "-c", BARE_FIXTURE], env=bare_env, check=True)

    ports = {"sacrum": free_port(), "bare": free_port()}
    base = {k: f"http://127.0.0.1:{p}" for k, p in ports.items()}
    logs = (work / "sacrum.log").open("wb"), (work / "bare.log").open("wb")
    servers = [
        subprocess.Popen(
            [
                str(BIN / "sacrum"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(ports["sacrum"]),
                "--workers",
                str(WORKERS),
            ],
            env=env,
            stdout=logs[0],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "benchmarks.baseline.wsgi",
                "-b",
                f"127.0.0.1:{ports['bare']}",
                "-w",
                str(WORKERS),
                "-k",
                "sync",
            ],
            env=bare_env,
            cwd=ROOT,
            stdout=logs[1],
            stderr=subprocess.STDOUT,
        ),
    ]
    try:
        wait_up(base["sacrum"] + "/healthz", servers[0])
        wait_up(base["bare"] + "/hello", servers[1])
        every = paths(fixture, bodies)
        check_answers(base, every)
        started_load = load()
        measured: dict[str, list[Result]] = {p.name: [] for p in every}
        for round_ in range(rounds):
            for path in every:  # bare first, then Sacrum: interleaved per round
                for _ in range(1 if round_ or path.post else 2):  # first GET warms up
                    result = wrk(binary, base[path.server], path, seconds)
                measured[path.name].append(result)
                log(
                    f"  round {round_ + 1}: {path.name}: {result.rps:.0f} req/s, "
                    f"p50 {result.p50_ms:.1f} ms, non-2xx {result.non_2xx}"
                )
        # Server time: one request at a time, so the median latency is what a request costs
        # the server (plus a loopback round trip), not time spent queued behind others.
        alone = {
            p.name: wrk(binary, base[p.server], p, seconds, connections=1).p50_ms
            for p in every
            if not p.post
        }
        ended_load = load()
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    return summarise(db, every, measured, alone, seconds, rounds, started_load, ended_load)


def summarise(
    db: str,
    every: list[Path_],
    measured: dict[str, list[Result]],
    alone: dict[str, float],
    seconds: int,
    rounds: int,
    started_load: str,
    ended_load: str,
) -> dict[str, Any]:
    rows: dict[str, dict[str, Any]] = {}
    for path in every:
        results = measured[path.name]
        rows[path.name] = {
            "rps": statistics.median(r.rps for r in results),
            "p50_ms": statistics.median(r.p50_ms for r in results),
            "p99_ms": statistics.median(r.p99_ms for r in results),
            "non_2xx": sum(r.non_2xx for r in results),
            "requests": sum(r.requests for r in results),
            "baseline": path.baseline,
            "alone_p50_ms": alone.get(path.name),
        }
    for row in rows.values():
        row["ratio"] = row["rps"] / rows[row["baseline"]]["rps"] if row["baseline"] else 1.0
    return {
        "date": dt.date.today().isoformat(),
        "database": db,
        "seconds": seconds,
        "rounds": rounds,
        "connections": CONNECTIONS,
        "workers": WORKERS,
        "load_average_start": started_load,
        "load_average_end": ended_load,
        "paths": rows,
    }


def write(summary: dict[str, Any]) -> None:
    db = summary["database"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"http-{db}.json").write_text(json.dumps(summary, indent=2) + "\n")
    lines = [
        f"# HTTP benchmark on {db}",
        "",
        f"`benchmarks/http_load.py`, {summary['date']}: gunicorn with {summary['workers']} sync "
        f"workers for Sacrum (`sacrum serve`, demo clinic) and for the bare baseline, same "
        f"database settings; `wrk -t1 -c{summary['connections']} -d{summary['seconds']}s`, "
        f"median of {summary['rounds']} rounds, baseline and Sacrum interleaved. Load "
        f"average {summary['load_average_start']} at the start, "
        f"{summary['load_average_end']} at the end (2 cores, shared). *Alone p50* is the "
        "median latency with one connection (`wrk -c1`), i.e. the server time of one request "
        "plus a loopback round trip.",
        "",
        "| path | requests/s | p50 ms | p99 ms | non-2xx | against |  ratio | alone p50 ms |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for name, row in summary["paths"].items():
        alone = row.get("alone_p50_ms")
        lines.append(
            f"| {name} | {row['rps']:.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
            f"{row['non_2xx']} | {row['baseline'] or '-'} | {row['ratio']:.2f} | "
            f"{'-' if alone is None else f'{alone:.1f}'} |"
        )
    (RESULTS / f"http-{db}.md").write_text("\n".join(lines) + "\n")
    log("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    for db in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        write(run(db, args.duration, args.rounds))


if __name__ == "__main__":
    main()
