"""`sacrum demo`: migrate the embedded database, seed the demo clinic, serve it.

What a person at the terminal needs (progress, the address, the demo logins) is plain
text on stdout; the server's log lines are JSON on stderr, as with `sacrum serve`.
"""

from __future__ import annotations

import logging
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
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        db = settings.DATABASES["default"]
        where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db['ENGINE']} {db['NAME']}"
        self.stdout.write(f"Database: {where}")
        self.stdout.write("Applying migrations…")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Seeding the demo clinic…")
        ctx = seed_demo(log=self.stdout.write)
        url = f"http://{opts['host']}:{opts['port']}/"
        lines = [
            "",
            "Sacrum demo is ready.",
            f"  Address:  {url}",
            f"  Password for every demo login: {ctx['password']}",
        ]
        lines += [f"  {role:<13} {email}" for role, email in ctx["logins"]]
        lines.append("  (Jonas also works at a second clinic: use the switcher at the top.)")
        self.stdout.write("\n".join(lines) + "\n")
        if opts["seed_only"]:
            return
        run_gunicorn(host=opts["host"], port=opts["port"], workers=2, threads=1)
