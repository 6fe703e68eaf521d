"""`sacrum serve`: the production WSGI server (gunicorn), not Django's runserver.

Everything it writes is a JSON log line on stderr (``sacrum.logs``): a process
supervisor or log shipper reads one format. See ``sacrum.web.serving`` for why no
database connection survives into the workers.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from sacrum.kernel.logs import log_system_checks
from sacrum.web.serving import run_gunicorn

log = logging.getLogger("sacrum.serve")


class Command(BaseCommand):
    help = "Serve Sacrum with gunicorn (production WSGI server)."
    # Checked in handle() and logged as JSON lines instead of printed as text.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument(
            "--no-migrate", action="store_true", help="Do not apply pending migrations first."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if not log_system_checks(log):
            sys.exit(1)
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        log.info("Sacrum listening on http://%s:%s/", opts["host"], opts["port"])
        run_gunicorn(
            host=opts["host"], port=opts["port"], workers=opts["workers"], threads=opts["threads"]
        )
