"""`sacrum demo --port N` runs the worker beside the server, and e-mailed links use port N.

A newcomer who tried the demo and asked for something by e-mail (a password reset here;
an online booking works the same way) got nothing: no worker ran, and the links said
port 8000 whatever port the demo was on.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from sacrum.web.demo import DEMO_PASSWORD
from tests import live_server

OWNER = "maya@stillwater.example"


def _outbox_link(outbox: Path, process: subprocess.Popen[bytes], seconds: float) -> str:
    """The password-reset link of the first e-mail in the outbox (the worker writes it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the demo stopped"
        for message in sorted(outbox.glob("*.log")) if outbox.exists() else []:
            found = re.search(
                r"http://[^\s]+/accounts/password/reset/key/[^\s]+", message.read_text()
            )
            if found:
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError("no e-mail reached the outbox: is the worker running?")


def test_the_demo_sends_e_mail_with_links_to_its_own_port(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the demo runs on the embedded SQLite database; the SQLite run covers it")
    port = live_server.free_port()
    env = {
        **os.environ,
        "SACRUM_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "SACRUM_ENV": "development",
    }
    for name in ("DJANGO_SETTINGS_MODULE", "SACRUM_SITE_URL", "SACRUM_EMAIL_BACKEND"):
        env.pop(name, None)
    log = (tmp_path / "demo.log").open("wb")
    demo = subprocess.Popen(
        [sys.executable, "-m", "sacrum.cli", "demo", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the worker is its child: stopped with the group
    )
    base = f"http://127.0.0.1:{port}"
    try:
        live_server.wait_until_up(base, demo, seconds=240)
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = browser.open(f"{base}/accounts/password/reset/", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token, "no CSRF token on the reset form"
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "email": OWNER}
        ).encode()
        request = urllib.request.Request(
            f"{base}/accounts/password/reset/", data=body, headers={"Referer": base + "/"}
        )
        assert browser.open(request, timeout=30).status == 200
        link = _outbox_link(tmp_path / "outbox", demo, seconds=120)
    finally:
        os.killpg(demo.pid, 15)
        demo.wait(timeout=30)
        log.close()
    assert link.startswith(f"{base}/accounts/password/reset/key/"), link
    printed = (tmp_path / "demo.log").read_text()
    assert f"Address:  {base}/" in printed and str(tmp_path / "outbox") in printed
    assert DEMO_PASSWORD in printed
