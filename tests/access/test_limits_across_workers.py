"""Sign-in limits hold across worker processes and servers (a real `sacrum serve --workers 2`).

Two servers, each with two gunicorn workers, share one database (a fresh SQLite file made
by `sacrum migrate`, or pytest's PostgreSQL test database). Guesses alternate between the
servers and come from a new address each time (the servers trust one proxy hop, so
``X-Forwarded-For`` is the address), so only a per-account limit kept in the shared cache
can stop them. The server runs on the real clock: a refused code is recognised by the
"too many" answer, which allauth gives before it looks at the code at all.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
GUESSES = 12
LIMIT = settings.LOGIN_FAILURE_LIMIT


def _free_port() -> int:
    """A free local port: from SACRUM_TEST_PORTS (e.g. ``18300-18399``) if set, else any."""
    first, _, last = os.environ.get("SACRUM_TEST_PORTS", "0-0").partition("-")
    for port in range(int(first), int(last or first) + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError("no free port in SACRUM_TEST_PORTS")


def _database_url(tmp_path: Path) -> tuple[str, bool]:
    """(url, needs_migrate): pytest's PostgreSQL test database, or a new SQLite file."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
        return f"postgres://{s.get('USER') or 'postgres'}@{host}:{port}/{s['NAME']}", False
    return f"sqlite:///{tmp_path / 'limits.sqlite3'}", True


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    sacrum = str(Path(sys.executable).parent / "sacrum")
    return subprocess.Popen(
        [sacrum, "serve", "--workers", "2", "--no-migrate", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def _redis_url() -> str:
    """The machine's Redis (database 9), or a skip outside CI when there is none."""
    url = os.environ.get("SACRUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # any failure means: no Redis here
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no Redis at {url}: {exc}")
    return url


@pytest.fixture(params=["database cache", "redis"])
def servers(
    request: pytest.FixtureRequest, transactional_db: Any, tmp_path: Path
) -> Iterator[tuple[list[str], dict[str, Any]]]:
    url, needs_migrate = _database_url(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SACRUM_DATA_DIR": str(tmp_path),
        "SACRUM_ENV": "development",
        "SACRUM_PROXY_COUNT": "1",
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("SACRUM_CACHE_URL", None)
    if request.param == "redis":
        env["SACRUM_CACHE_URL"] = _redis_url()
    if needs_migrate:
        sacrum = str(Path(sys.executable).parent / "sacrum")
        subprocess.run([sacrum, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        with sqlite3.connect(tmp_path / "limits.sqlite3") as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        # `sacrum migrate` made the cache table (and only where the cache is the database).
        made = settings.CACHES["default"]["LOCATION"] in tables
        assert made == (request.param == "database cache")
    setup = subprocess.run(
        [sys.executable, "-m", "tests.access.limits_setup"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    accounts = json.loads(setup.stdout.strip().splitlines()[-1])
    accounts["cache"] = f"{connection.vendor}, {request.param}"
    ports = [_free_port(), _free_port()]
    processes = [_start(env, port) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, process in zip(bases, processes, strict=True):
            _wait_until_up(base, process)
        yield bases, accounts
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One visitor's cookies (valid on both servers: same database, same secret key)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def csrf(self) -> str:
        value = next(c.value for c in self.jar if c.name == "csrftoken")
        assert value is not None
        return value

    def request(
        self, base: str, path: str, form: dict[str, str] | None, address: str
    ) -> tuple[int, str, bytes]:
        data = None
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.csrf()}).encode()
        request = urllib.request.Request(
            base + path, data=data, headers={"X-Forwarded-For": address}
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, "", response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read()


def _address(n: int) -> str:
    return f"198.51.{n // 250}.{n % 250 + 1}"


def _code(secret: str) -> str:
    return str(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))


def _classify_code_answer(status: int, body: bytes) -> str:
    if status == 302:
        return "signed in"
    if b"Too many failed login attempts" in body:
        return "refused"
    if b"Incorrect code" in body:
        return "incorrect"
    return f"other {status}"


def test_sign_in_limits_hold_across_two_servers(servers: Any) -> None:
    """Both limits on one pair of servers (each has its own account): starting two servers
    of two workers is most of this test's time, so they are started once per cache."""
    bases, accounts = servers
    wrong_codes_lock_the_second_factor(bases, accounts)
    wrong_passwords_lock_the_account(bases, accounts)


def wrong_codes_lock_the_second_factor(bases: list[str], accounts: dict[str, Any]) -> None:
    browser = Browser()
    browser.request(bases[0], "/accounts/login/", None, _address(0))
    status, location, _ = browser.request(
        bases[0],
        "/accounts/login/",
        {"login": accounts["totp_email"], "password": accounts["password"]},
        _address(1),
    )
    assert (status, location) == (302, "/accounts/2fa/authenticate/")

    secret = accounts["secret"]
    wrong = "000000"
    answers = []
    for n in range(GUESSES):
        code = wrong if _code(secret) != wrong else "111111"
        status, _, body = browser.request(
            bases[n % 2], "/accounts/2fa/authenticate/", {"code": code}, _address(10 + n)
        )
        answers.append(_classify_code_answer(status, body))
    assert answers == ["incorrect"] * LIMIT + ["refused"] * (GUESSES - LIMIT), answers

    # Now all at once on both servers (four worker processes), the right code among them.
    def guess(n: int) -> str:
        code = _code(secret) if n % 4 == 0 else wrong
        status, _, body = browser.request(
            bases[n % 2], "/accounts/2fa/authenticate/", {"code": code}, _address(100 + n)
        )
        return _classify_code_answer(status, body)

    with ThreadPoolExecutor(max_workers=8) as pool:
        burst = Counter(pool.map(guess, range(8)))
    assert burst == Counter({"refused": 8}), burst
    sys.stdout.write(
        f"\n[limits {accounts['cache']}] second factor: {GUESSES} sequential wrong codes over 2 servers x 2 workers "
        f"-> {Counter(answers)}; then 8 parallel (2 with the right code) -> {burst}\n"
    )


def wrong_passwords_lock_the_account(bases: list[str], accounts: dict[str, Any]) -> None:
    browser = Browser()
    browser.request(bases[0], "/accounts/login/", None, _address(0))
    email = accounts["password_email"]
    answers = []
    for n in range(GUESSES):
        status, _, body = browser.request(
            bases[n % 2],
            "/accounts/login/",
            {"login": email, "password": f"wrong-guess-{n}"},
            _address(10 + n),
        )
        if status == 429 and b"Too many failed sign-ins" in body:
            answers.append("locked")
        elif b"not correct" in body:
            answers.append("incorrect")
        else:
            answers.append(f"other {status}")
    # The attempt that reaches the limit is itself answered with the lockout page.
    assert answers == ["incorrect"] * (LIMIT - 1) + ["locked"] * (GUESSES - LIMIT + 1), answers

    for n, base in enumerate(bases):
        status, _, body = browser.request(
            base,
            "/accounts/login/",
            {"login": email, "password": accounts["password"]},
            _address(50 + n),
        )
        assert status == 429 and b"Too many failed sign-ins" in body
    sys.stdout.write(
        f"\n[limits {accounts['cache']}] password: {GUESSES} wrong passwords over 2 servers x 2 workers -> "
        f"{Counter(answers)}; the right password then refused on both servers\n"
    )
