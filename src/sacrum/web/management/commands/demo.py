"""`sacrum demo`: migrate the embedded database, seed the demo clinic, serve it.

What a person at the terminal needs (progress, the address, the demo logins) is plain
text on stdout; the server's log lines are JSON on stderr, as with `sacrum serve`.

The demo also runs the background worker beside the server, so what a newcomer tries
(booking online, a reminder, a password reset) sends its e-mail (into the data folder's
outbox), and the links in those e-mails use the address and port it was started on.
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from sacrum.kernel.logs import log_system_checks
from sacrum.web.demo import seed_demo
from sacrum.web.serving import run_gunicorn

log = logging.getLogger("sacrum.demo")


class Command(BaseCommand):
    help = "Set up the demo clinic on the embedded database and start Sacrum."
    # Checked in handle() and logged as JSON lines, like every other log line.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--seed-only", action="store_true", help="Set up the data, do not start the server."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if not log_system_checks(log):
            sys.exit(1)
        address = f"http://{opts['host']}:{opts['port']}"
        if not os.environ.get("SACRUM_SITE_URL"):
            # E-mailed links follow the port given (the worker reads the environment).
            os.environ["SACRUM_SITE_URL"] = address
            settings.SITE_URL = address
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        db = settings.DATABASES["default"]
        where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db['ENGINE']} {db['NAME']}"
        self.stdout.write(f"Database: {where}")
        self.stdout.write("Applying migrations…")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Seeding the demo clinic…")
        ctx = seed_demo(log=self.stdout.write)
        lines = [
            "",
            "Sacrum demo is ready.",
            f"  Address:  {address}/",
            f"  E-mails:  written to {settings.EMAIL_FILE_PATH}"
            if str(settings.EMAIL_BACKEND).endswith("filebased.EmailBackend")
            else "  E-mails:  sent through your SACRUM_EMAIL_* settings",
            f"  Password for every demo login: {ctx['password']}",
        ]
        lines += [f"  {role:<13} {email}" for role, email in ctx["logins"]]
        lines.append("  (Jonas also works at a second clinic: use the switcher at the top.)")
        self.stdout.write("\n".join(lines) + "\n")
        if opts["seed_only"]:
            return
        worker = start_worker()
        try:
            run_gunicorn(host=opts["host"], port=opts["port"], workers=2, threads=1)
        finally:
            stop_worker(worker)


def start_worker() -> subprocess.Popen[bytes]:
    """`sacrum worker` beside the server: e-mails, reminders and the periodic work."""
    worker = subprocess.Popen([sys.executable, "-m", "sacrum.cli", "worker"], env=os.environ.copy())
    atexit.register(stop_worker, worker)
    return worker


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
