"""`sacrum serve` workers never share a database connection with the master or each other.

A connection opened before gunicorn forks (migrations run in the master) is one
PostgreSQL session, or one set of SQLite file descriptors, used by every worker: under
load, answers carried another user's identity and clinic. These tests start the real
command (`sacrum serve --workers 3`) and ask "who am I?" 400 times, concurrently, with
the tokens of two owners in two clinics.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests import live_server

REQUESTS = 400
CLIENT_THREADS = 32


@pytest.fixture
def setup(transactional_db: Any, tmp_path: Path) -> Any:
    env = live_server.server_env(tmp_path)
    return env, live_server.run_setup("tests.two_clinics_setup", env), tmp_path


def _serve(env: dict[str, str], log: Path, workers: int) -> tuple[subprocess.Popen[Any], str]:
    port = live_server.free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                str(live_server.BIN / "sacrum"),
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            cwd=live_server.ROOT,
            stdout=out,
            stderr=out,
        )
    base = f"http://127.0.0.1:{port}"
    live_server.wait_until_up(base, process)
    return process, base


def _who_am_i(bases: list[str], people: list[dict[str, str]]) -> Counter[str]:
    """Alternate people (and servers); count right answers, wrong identities and errors."""

    def one(i: int) -> str:
        person = people[i % 2]
        base = bases[(i // 2) % len(bases)]
        try:
            status, body = live_server.request(
                f"{base}/api/v1/me",
                headers={"Authorization": f"Bearer {person['token']}"},
                timeout=15,
            )
        except OSError:  # a hung worker
            return "no answer"
        if status != 200:
            return f"status {status}"
        me = json.loads(body)
        right = me["email"] == person["email"] and me["clinic_id"] == person["clinic_id"]
        return "right" if right else "other person's answer"

    with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
        return Counter(pool.map(one, range(REQUESTS)))


def _database_handles(pid: int, database_url: str) -> int:
    """Open handles of a process on the database: SQLite files, or TCP sockets to PostgreSQL."""
    fds = Path(f"/proc/{pid}/fd")
    targets = []
    for fd in fds.iterdir():
        try:
            targets.append(str(fd.readlink()))
        except OSError:  # closed while we looked
            continue
    url = urlparse(database_url)
    if url.scheme == "sqlite":
        database = "/" + url.path.lstrip("/")
        return sum(1 for target in targets if target.startswith(database))
    sockets = {t[len("socket:[") : -1] for t in targets if t.startswith("socket:[")}
    port = f"{url.port or 5432:04X}"
    handles = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[2].endswith(f":{port}") and fields[9] in sockets:
                handles += 1
    return handles


def _assert_master_holds_no_connection(process: subprocess.Popen[Any], env: dict[str, str]) -> None:
    handles = _database_handles(process.pid, env["DATABASE_URL"])
    assert handles == 0, f"the gunicorn master holds {handles} database handle(s) its workers share"


def test_three_workers_answer_each_person_as_themselves(setup: Any) -> None:
    env, people, tmp_path = setup
    process, base = _serve(env, tmp_path / "server.log", workers=3)
    try:
        started = time.monotonic()
        answers = _who_am_i([base], people)
        print(f"\n{time.monotonic() - started:.1f} s", end="")
        print(f"\n{REQUESTS} requests, 1 server x 3 workers: {dict(answers)}")
        assert answers == Counter({"right": REQUESTS}), answers
        _assert_master_holds_no_connection(process, env)
    finally:
        live_server.stop(process)


def test_two_servers_on_one_database_answer_each_person_as_themselves(setup: Any) -> None:
    env, people, tmp_path = setup
    first, first_base = _serve(env, tmp_path / "first.log", workers=2)
    try:
        second, second_base = _serve(env, tmp_path / "second.log", workers=2)
        try:
            answers = _who_am_i([first_base, second_base], people)
            print(f"\n{REQUESTS} requests, 2 servers x 2 workers: {dict(answers)}")
            assert answers == Counter({"right": REQUESTS}), answers
            _assert_master_holds_no_connection(first, env)
            _assert_master_holds_no_connection(second, env)
        finally:
            live_server.stop(second)
    finally:
        live_server.stop(first)
