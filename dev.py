#!/usr/bin/env python3
"""Sacrum's two commands, each doing its own setup on a fresh machine (Python 3.11+).

    python3 dev.py demo [--port 8000]   set up, seed the demo clinic, start Sacrum
    python3 dev.py test                 set up, then lint, type-check and run the whole
                                        suite on SQLite and on PostgreSQL; after each
                                        database's suite, fuzz the API of a live server

Setup = a virtual environment in .venv with the locked dependencies (requirements.lock,
hash-checked) and Sacrum itself; for tests also Debian's Chromium and a reachable
PostgreSQL. With CI=true a missing Chromium or PostgreSQL is a failure, never a skip.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".sacrum-installed"
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get(
    "SACRUM_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/sacrum_suite"
)
CHROMIUM = Path(os.environ.get("SACRUM_CHROMIUM", "/usr/bin/chromium"))
# pytest-xdist processes: one per core keeps the suite near ten minutes on two cores.
WORKERS = os.environ.get("SACRUM_TEST_WORKERS", "auto")


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(cmd: list[str], *, env: dict[str, str] | None = None, quiet: bool = False) -> int:
    if quiet:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stdout[-4000:], done.stderr[-4000:], sep="\n")
        return done.returncode
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


def must(cmd: list[str], **kwargs: object) -> None:
    code = run(cmd, **kwargs)  # type: ignore[arg-type]
    if code != 0:
        sys.exit(f"failed ({code}): {' '.join(cmd)}")


def setup_python() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Sacrum needs Python 3.11 or newer")
    if not (BIN / "python").exists():
        say("Creating the virtual environment in .venv")
        must([sys.executable, "-m", "venv", str(VENV)])
    fingerprint = hashlib.sha256(
        LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return
    say("Installing locked dependencies (requirements.lock)")
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    must([*pip, "install", "--require-hashes", "-r", str(LOCK)], quiet=True)
    must([*pip, "install", "--no-deps", "-e", "."], quiet=True)
    STAMP.write_text(fingerprint)


def setup_chromium() -> bool:
    if CHROMIUM.exists():
        return True
    if shutil.which("apt-get") and os.geteuid() == 0:
        say("Installing Debian's Chromium for the browser tests")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-qq"], env=env, quiet=True)
        run(
            ["apt-get", "install", "-y", "-qq", "chromium", "fonts-dejavu-core"],
            env=env,
            quiet=True,
        )
    if CHROMIUM.exists():
        return True
    if CI:
        sys.exit(f"Chromium is missing at {CHROMIUM}; CI needs it for the browser tests")
    say(f"Chromium not found at {CHROMIUM}: browser tests will be skipped (install 'chromium')")
    return False


AXE_DIR = ROOT / "tests" / "a11y"


def setup_axe() -> bool:
    """axe-core from the npm registry, pinned by tests/a11y/package-lock.json (integrity
    hash checked by ``npm ci``). The browser tests inject it into every page they open."""
    if (AXE_DIR / "node_modules" / "axe-core" / "axe.min.js").exists():
        return True
    if shutil.which("npm"):
        say("Installing axe-core for the accessibility check (npm ci)")
        run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR)],
            quiet=True,
        )
    if (AXE_DIR / "node_modules" / "axe-core" / "axe.min.js").exists():
        return True
    if CI:
        sys.exit("axe-core could not be installed (npm); CI checks every page with it")
    say("npm not found: browser tests run without the accessibility check")
    return False


def _pg_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def setup_postgres() -> bool:
    if _pg_reachable():
        return True
    clusters = Path("/etc/postgresql")
    if shutil.which("pg_ctlcluster") and clusters.exists():
        for version in sorted(os.listdir(clusters)):
            say(f"Starting PostgreSQL {version}")
            run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], quiet=True
            )
        for _ in range(20):
            if _pg_reachable():
                return True
            time.sleep(0.5)
    if CI:
        sys.exit("PostgreSQL is not reachable on 127.0.0.1:5432; CI runs the suite on it")
    say("PostgreSQL not reachable on 127.0.0.1:5432: running on SQLite only")
    return False


def base_env(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"SACRUM_ENV": "test", "SACRUM_DATA_DIR": data_dir, "PYTHONDONTWRITEBYTECODE": "1"})
    return env


# Tests that book, expire or compare with "today": CI runs them again at every awkward
# instant of tests/clock.py (DST days, Sunday night, year end, 29 February). Keep the step
# near two minutes on two cores; see docs/testing.md.
CLOCK_TESTS = [
    "tests/scheduling/test_booking.py",
    "tests/scheduling/test_online.py",
    "tests/scheduling/test_slots.py",
    "tests/scheduling/test_move_picker.py",
    "tests/scheduling/test_appointment_page.py",
    "tests/notifications/test_reminders.py",
    "tests/notifications/test_dashboard_card.py",
    "tests/waitlist/test_offers.py",
    "tests/plans/test_measurements.py",
    "tests/portal/test_invitation.py",
    "tests/screening/test_links.py",
    "tests/charting/test_demo.py",
]


ROUND_TRIP = "tests/backups/test_round_trip.py::test_restore_gives_back_every_row_and_file"


def failed_tests(report: Path) -> list[str]:
    """The ids of the tests a JUnit report marks failed or errored. CI shows only the tail of
    the output, so the final line repeats them rather than leaving them thousands of lines up."""
    try:
        root = ET.parse(report).getroot()  # noqa: S314 (our own pytest wrote it)
    except (OSError, ET.ParseError):
        return []
    names = []
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            names.append(f"{case.get('classname', '')}::{case.get('name', '')}")
    return names


def suite_failure(label: str, report: Path) -> str:
    names = failed_tests(report)
    if not names:
        return label
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return f"{label} [{shown}]"


def run_at_awkward_instants(env: dict[str, str], args: list[str]) -> list[str]:
    """The time-sensitive tests at each awkward instant, on SQLite, in one pytest session
    (``--clock=awkward`` runs each test once per instant). Skipped for a targeted run."""
    if args:
        return []
    say("time-sensitive tests at awkward instants (SQLite)")
    started = time.monotonic()
    report = Path(env["SACRUM_DATA_DIR"]) / "junit-awkward.xml"
    cmd = [str(BIN / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", WORKERS]
    code = run([*cmd, f"--junitxml={report}", "--clock=awkward", *CLOCK_TESTS], env=env)
    say(f"awkward instants took {time.monotonic() - started:.0f} s")
    return [] if code == 0 else [suite_failure("pytest at awkward instants (SQLite)", report)]


def cmd_demo(args: list[str]) -> None:
    setup_python()
    env = {**os.environ}
    env.setdefault("SACRUM_DATA_DIR", str(ROOT / "data"))
    os.execve(str(BIN / "sacrum"), [str(BIN / "sacrum"), "demo", *args], env)


# --- API fuzzing against a live server ---------------------------------------------------

# Cases per operation in the fuzzing phase (the coverage phase's boundary values come on
# top and are most of the ~10 400 cases). Measured on this shared 2-core machine, seeding
# included: 1.5-3 minutes per database at moderate load, 7-10 minutes at load ~10.
FUZZ_EXAMPLES = os.environ.get("SACRUM_FUZZ_EXAMPLES", "10")
FUZZ_CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)
# Operations that can end the caller's own access (revoke its token, deactivate or demote
# its membership, make the clinic require a second factor): fuzzed after the main run with
# a token of their own, so the main run cannot lock itself out halfway.
FUZZ_SELF_LOCKOUT = (
    "DELETE /api/v1/tokens/{token_id}",
    "PATCH /api/v1/memberships/{membership_id}",
    "PATCH /api/v1/clinic",
)
FUZZ_TOKENS = """
import json, os
from sacrum.kernel.actor import Actor
from sacrum.access.tokens import create_token
from sacrum.clinics.models import Clinic, Membership
clinic = Clinic.objects.order_by("created_at").first()
owner = Membership.objects.filter(clinic=clinic, role="owner", active=True).first()
raw = [create_token(actor=Actor.system(owner), name=f"fuzz {n}")[1] for n in ("main", "last")]
open(os.environ["SACRUM_FUZZ_TOKENS"], "w").write(json.dumps(raw))
"""


def _fresh_postgres_database(url: str) -> bool:
    """Drop and create the database named in ``url`` (the suite itself uses test_<name>)."""
    name = url.rsplit("/", 1)[1]
    script = (
        "import sys, psycopg\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        "    c.execute(f'DROP DATABASE IF EXISTS \"{sys.argv[2]}\" WITH (FORCE)')\n"
        "    c.execute(f'CREATE DATABASE \"{sys.argv[2]}\"')\n"
    )
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    return run([str(BIN / "python"), "-c", script, maintenance, name], quiet=True) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_health(port: int, server: subprocess.Popen[bytes], seconds: float = 60) -> bool:
    import http.client

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return True
        except OSError:
            time.sleep(0.5)
        finally:
            connection.close()
    return False


def fuzz_api(env: dict[str, str], label: str) -> bool:
    """Seed the demo into a fresh database, start `sacrum serve` on it, fuzz its API.

    schemathesis reads /api/v1/openapi.json and sends generated cases to every operation as
    the demo clinic's owner (a personal API token); it fails on any 5xx and on any status,
    content type or body the document does not describe. Skipped for a targeted run
    (extra pytest arguments), like the awkward-instant step.
    """
    say(f"API fuzzing on {label} (schemathesis, {FUZZ_EXAMPLES} examples per operation)")
    with tempfile.TemporaryDirectory(prefix="sacrum-fuzz-") as data_dir:
        tokens = Path(data_dir) / "tokens.json"
        # Jobs queue in the database (no worker runs here): a fuzzed `$export` kick-off
        # must not run a whole clinic's export inside the request, as the test backend would.
        env = {
            **env,
            "SACRUM_DATA_DIR": data_dir,
            "SACRUM_FUZZ_TOKENS": str(tokens),
            "SACRUM_TASKS_BACKEND": "database",
        }
        if "DATABASE_URL" in env and not _fresh_postgres_database(env["DATABASE_URL"]):
            return False
        sacrum = str(BIN / "sacrum")
        for cmd in ([sacrum, "demo", "--seed-only"], [sacrum, "shell", "-c", FUZZ_TOKENS]):
            if run(cmd, env=env, quiet=True) != 0:
                return False
        main_token, last_token = json.loads(tokens.read_text())
        port = int(os.environ.get("SACRUM_FUZZ_PORT") or _free_port())
        base = f"http://127.0.0.1:{port}"
        server_log = Path(data_dir) / "server.log"
        with server_log.open("w") as log:
            server = subprocess.Popen(
                [sacrum, "serve", "--port", str(port), "--no-migrate"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                if not _wait_for_health(port, server):
                    print(server_log.read_text()[-4000:])
                    return False
                # One worker per process, two processes side by side: CPython 3.11.7's
                # ast.parse is not thread-safe ("AST constructor recursion depth
                # mismatch" when hypothesis describes two strategies at once).
                st = [
                    *(str(BIN / "st"), "run", f"{base}/api/v1/openapi.json"),
                    *("--checks", FUZZ_CHECKS, "--max-examples", FUZZ_EXAMPLES),
                    *("--workers", "1", "--no-shrink", "--warnings", "off"),
                    *("--seed", os.environ.get("SACRUM_FUZZ_SEED", "20261207")),
                ]
                main = [*st, "-H", f"Authorization: Bearer {main_token}"]
                last = [*st, "-H", f"Authorization: Bearer {last_token}"]
                for name in FUZZ_SELF_LOCKOUT:
                    main += ["--exclude-name", name]
                    last += ["--include-name", name]
                reads = [*main, "--include-method", "GET"]
                writes = [*main, "--exclude-method", "GET"]
                # In the throw-away folder: schemathesis keeps a cache of past crashes there.
                halves = [subprocess.Popen(cmd, cwd=data_dir, env=env) for cmd in (reads, writes)]
                ok = all([half.wait() == 0 for half in halves])
                ok = subprocess.run(last, cwd=data_dir, env=env).returncode == 0 and ok
                if not ok:  # the server's own account of its errors (JSON lines, no data)
                    errors = [
                        line for line in server_log.read_text().splitlines() if "ERROR" in line
                    ]
                    print("\n".join(errors[-20:]))
            finally:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
        return ok


def cmd_test(args: list[str]) -> None:
    setup_python()
    setup_chromium()
    setup_axe()
    have_pg = setup_postgres()
    failures = []
    with tempfile.TemporaryDirectory(prefix="sacrum-test-") as data_dir:
        env = base_env(data_dir)
        py = str(BIN / "python")
        checks = [
            ("ruff check", [str(BIN / "ruff"), "check", "src", "tests", "benchmarks", "dev.py"]),
            (
                "ruff format",
                [str(BIN / "ruff"), "format", "--check", "src", "tests", "benchmarks", "dev.py"],
            ),
            ("mypy", [str(BIN / "mypy"), "src", "tests"]),
            ("import layers", [str(BIN / "lint-imports")]),
            ("migrations", [str(BIN / "sacrum"), "makemigrations", "--check", "--dry-run"]),
        ]
        for name, cmd in checks:
            say(name)
            if run(cmd, env=env) != 0:
                failures.append(name)
        # A full run lists its slowest tests, so the suite's time can be seen where it goes.
        slowest = [] if args else ["--durations=30"]
        pytest = [py, "-m", "pytest", "-p", "no:cacheprovider", "-n", WORKERS, *slowest, *args]
        say("pytest on SQLite")
        started = time.monotonic()
        report = Path(data_dir) / "junit-sqlite.xml"
        # The backup round trip makes its own SQLite and PostgreSQL databases and never
        # touches the suite's: with PostgreSQL here it runs once, in that pass.
        once = ["--deselect", ROUND_TRIP] if have_pg and not args else []
        if run([*pytest, *once, f"--junitxml={report}"], env=env) != 0:
            failures.append(suite_failure("pytest (SQLite)", report))
        say(f"pytest on SQLite took {time.monotonic() - started:.0f} s")
        failures += run_at_awkward_instants(env, args)
        if not args and not fuzz_api(env, "SQLite"):
            failures.append("API fuzzing (SQLite)")
        if have_pg:
            say("pytest on PostgreSQL")
            pg_env = {**env, "DATABASE_URL": PG_URL}
            started = time.monotonic()
            report = Path(data_dir) / "junit-postgresql.xml"
            if run([*pytest, "--create-db", f"--junitxml={report}"], env=pg_env) != 0:
                failures.append(suite_failure("pytest (PostgreSQL)", report))
            say(f"pytest on PostgreSQL took {time.monotonic() - started:.0f} s")
            if not args and not fuzz_api(pg_env, "PostgreSQL"):
                failures.append("API fuzzing (PostgreSQL)")
    if failures:
        sys.exit("FAILED: " + ", ".join(failures))
    say("All checks passed" + ("" if have_pg else " (PostgreSQL not run)"))


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "setup"}:
        sys.exit(__doc__)
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "demo":
        cmd_demo(rest)
    elif command == "test":
        cmd_test(rest)
    else:  # what the tests need, without running them
        setup_python()
        setup_chromium()
        setup_axe()


if __name__ == "__main__":
    main()
