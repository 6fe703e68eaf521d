"""Concurrent completion against a real multi-process server: a package credit is used
exactly once per appointment, and never more credits than the package holds.

Gunicorn (4 processes x 5 threads) serves a database the test can see too (as
tests/billing/test_concurrency.py). A barrier releases the requests together.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests import live_server


@pytest.fixture
def server(transactional_db: Any, tmp_path: Path) -> Any:
    env = live_server.server_env(tmp_path)
    data = live_server.run_setup("tests.billing.package_race_setup", env)
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


def _complete_at_once(base: str, token: str, visits: list[str]) -> Counter[int]:
    barrier = threading.Barrier(len(visits))
    auth = {"Authorization": f"Bearer {token}"}

    def one(visit: str) -> int:
        barrier.wait()
        status, _ = live_server.request(
            f"{base}/api/v1/appointments/{visit}/status",
            method="POST",
            headers=auth,
            body={"status": "completed"},
        )
        return status

    with ThreadPoolExecutor(max_workers=len(visits)) as pool:
        return Counter(pool.map(one, visits))


def _packages(base: str, token: str, client: str) -> Any:
    status, body = live_server.request(
        f"{base}/api/v1/clients/{client}/packages",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert status == 200
    return json.loads(body)


def test_concurrent_completions_use_each_credit_once(server: Any) -> None:
    base, data = server
    token = data["token"]

    same = _complete_at_once(base, token, [data["ada_visit"]] * 20)
    assert set(same) <= {200, 422} and same[200] >= 1, same  # never a 500
    ada = _packages(base, token, data["ada"])
    assert [p["used"] for p in ada["packages"]] == [1]
    assert ada["remaining_credits"] == 4

    many = _complete_at_once(base, token, data["bea_visits"])
    assert many == Counter({200: 6}), many
    bea = _packages(base, token, data["bea"])
    assert [(p["used"], p["remaining"]) for p in bea["packages"]] == [(2, 0)]
    assert bea["remaining_credits"] == 0
