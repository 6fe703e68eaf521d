"""Real servers in a subprocess, on a database both the test and the server can see.

On SQLite that is a file copy of pytest's in-memory test database (migrated already);
on PostgreSQL it is pytest's own test database (so tests need ``transactional_db``: committed rows,
flushed afterwards). Used by the booking-race and the serving tests.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url(tmp_path: Path) -> tuple[str, bool]:
    """(url, needs_copy): the PostgreSQL test database, or a new SQLite file."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
        user = s.get("USER") or "postgres"
        return f"postgres://{user}@{host}:{port}/{s['NAME']}", False
    return f"sqlite:///{tmp_path / 'live.sqlite3'}", True


def server_env(tmp_path: Path) -> dict[str, str]:
    """Environment for `sacrum` subprocesses; on SQLite copies the test database first."""
    url, needs_copy = database_url(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SACRUM_DATA_DIR": str(tmp_path),
        "SACRUM_ENV": "development",
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if needs_copy:  # a copy of pytest's own (migrated, in-memory) test database
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(tmp_path / "live.sqlite3")])
    return env


def run_setup(module: str, env: dict[str, str]) -> Any:
    """Run a setup script (``python -m module``) against the server's database; its JSON."""
    setup = subprocess.run(
        [sys.executable, "-m", module],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(setup.stdout.strip().splitlines()[-1])


def wait_until_up(base: str, process: subprocess.Popen[Any], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not answer /healthz")


def stop(process: subprocess.Popen[Any]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def request(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: Any = None,
    timeout: float = 60,
) -> tuple[int, bytes]:
    """(status, body) of one HTTP request; errors are answers too."""
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
