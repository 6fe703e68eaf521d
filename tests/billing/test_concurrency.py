"""Fifty drafts issued at once against a real multi-process server get exactly 1…50.

Gunicorn (4 processes x 5 threads, each with its own database connection) serves a
database the test can see too (as tests/scheduling/test_concurrency.py): a fresh SQLite
file, or pytest's PostgreSQL test database. A barrier releases the 50 requests together.
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
    data = live_server.run_setup("tests.billing.concurrency_setup", env)
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


def test_fifty_drafts_issued_at_once_are_numbered_one_to_fifty(server: Any) -> None:
    base, data = server
    drafts = data["drafts"]
    barrier = threading.Barrier(len(drafts))
    auth = {"Authorization": f"Bearer {data['token']}"}

    def issue(invoice_id: str) -> tuple[int, Any]:
        barrier.wait()
        status, body = live_server.request(
            f"{base}/api/v1/invoices/{invoice_id}/issue", method="POST", headers=auth, body={}
        )
        return status, json.loads(body)

    with ThreadPoolExecutor(max_workers=len(drafts)) as pool:
        answers = list(pool.map(issue, drafts))
    assert Counter(status for status, _ in answers) == Counter({200: 50}), answers[:3]
    numbers = sorted(body["number"] for _, body in answers)
    assert numbers == [f"INV-{n:05d}" for n in range(1, 51)]
    status, page = live_server.request(
        f"{base}/api/v1/invoices?state=issued&page_size=100", headers=auth
    )
    listed = json.loads(page)
    assert status == 200 and listed["count"] == 50
