"""Concurrent booking against a real multi-process server: exactly one request wins.

Gunicorn (4 worker processes x 5 threads, each with its own database connection)
serves a database both the test and the server can see: a fresh SQLite file, or on
PostgreSQL pytest's own test database (hence ``transactional_db``: committed rows,
flushed afterwards). 20 requests are released at once by a barrier.
"""

from __future__ import annotations

import json
import subprocess
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests import live_server

PARALLEL = 20


@pytest.fixture
def server(transactional_db: Any, tmp_path: Path) -> Any:
    env = live_server.server_env(tmp_path)
    data = live_server.run_setup("tests.scheduling.concurrency_setup", env)
    port = live_server.free_port()
    process = subprocess.Popen(
        [
            str(live_server.BIN / "gunicorn"),
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
        cwd=live_server.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    live_server.wait_until_up(base, process, seconds=30)
    yield base, data
    live_server.stop(process)


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
