"""Concurrent booking against a real multi-process server: exactly one request wins.

Gunicorn (4 worker processes x 5 threads, each with its own database connection)
serves a database both the test and the server can see: a fresh SQLite file, or on
PostgreSQL pytest's own test database (hence ``transactional_db``: committed rows,
flushed afterwards). 20 requests are released at once by a barrier.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PARALLEL = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url(tmp_path: Path) -> tuple[str, bool]:
    """(url, needs_migrate): the PostgreSQL test database, or a new SQLite file."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
        user = s.get("USER") or "postgres"
        return f"postgres://{user}@{host}:{port}/{s['NAME']}", False
    return f"sqlite:///{tmp_path / 'race.sqlite3'}", True


@pytest.fixture
def server(transactional_db: Any, tmp_path: Path, tmp_path_factory: Any) -> Any:
    url, needs_migrate = _database_url(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SACRUM_DATA_DIR": str(tmp_path),
        "SACRUM_ENV": "development",
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    bin_dir = Path(sys.executable).parent
    if needs_migrate:  # migrate one SQLite file per session, copy it for each test
        template = tmp_path_factory.getbasetemp() / "race-template.sqlite3"
        if not template.exists():
            subprocess.run(
                [str(bin_dir / "sacrum"), "migrate", "-v", "0"],
                env={**env, "DATABASE_URL": f"sqlite:///{template}"},
                check=True,
            )
        shutil.copyfile(template, tmp_path / "race.sqlite3")
    setup = subprocess.run(
        [sys.executable, "-m", "tests.scheduling.concurrency_setup"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    data = json.loads(setup.stdout.strip().splitlines()[-1])
    port = _free_port()
    process = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "sacrum.wsgi",
            "-w",
            "4",
            "--threads",
            "5",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError(process.stderr.read().decode() if process.stderr else "no server")
    yield base, data
    process.terminate()
    process.wait(timeout=10)


def _call(base: str, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(
        base + "/api/v1" + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _race(base: str, data: dict[str, Any], starts: list[str]) -> Counter[int]:
    barrier = threading.Barrier(len(starts))

    def one(i: int) -> int:
        body = {
            "client_id": data["clients"][i],
            "practitioner_id": data["practitioner"],
            "service_id": data["service"],
            "location_id": data["location"],
            "start": f"{data['day']}T{starts[i]}:00",
        }
        barrier.wait()
        status, _body = _call(base, data["token"], "POST", "/appointments", body)
        return status

    with ThreadPoolExecutor(max_workers=len(starts)) as pool:
        return Counter(pool.map(one, range(len(starts))))


def _booked(base: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    status, page = _call(base, data["token"], "GET", "/appointments?page_size=200")
    assert status == 200, page
    return [a for a in page["items"] if a["status"] == "booked"]


def test_twenty_requests_for_one_slot_book_exactly_once(server: Any) -> None:
    base, data = server
    statuses = _race(base, data, ["10:00"] * PARALLEL)
    assert statuses == Counter({201: 1, 409: PARALLEL - 1}), statuses
    assert len(_booked(base, data)) == 1


def test_partially_overlapping_slots_book_exactly_once(server: Any) -> None:
    base, data = server
    statuses = _race(base, data, ["10:00", "10:30"] * (PARALLEL // 2))
    assert statuses == Counter({201: 1, 409: PARALLEL - 1}), statuses
    (only,) = _booked(base, data)
    assert only["local_start"][11:16] in ("10:00", "10:30")
