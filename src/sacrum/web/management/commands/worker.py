"""`sacrum worker`: runs background jobs (django-tasks' database worker under our name).

Beside the job queue, a thread runs every app's periodic ``tick`` once a minute
(reminders, measurement links, waitlist offers); see ``sacrum.web.periodic``.
Nothing here forks: the job loop and the tick thread each open their own database
connection (Django's connections belong to a thread), so none is shared. Its log
lines are JSON on stderr like every Sacrum process's.
"""

from __future__ import annotations

import logging
import sys
import threading
from argparse import ArgumentParser
from typing import Any

from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from sacrum.kernel.logs import log_system_checks
from sacrum.web.periodic import run_ticks


def _tick_until(stop: threading.Event, every: float) -> None:
    """Run the periodic ticks now and then every ``every`` seconds until ``stop`` is set."""
    while not stop.is_set():
        close_old_connections()
        run_ticks(timezone.now())
        connection.close()
        stop.wait(every)


log = logging.getLogger("sacrum.worker")


class Command(DatabaseWorker):
    help = "Run Sacrum's background jobs (e-mail, reminders, reports) from the database queue."
    # Checked in handle() and logged as JSON lines instead of printed as text.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--tick-every",
            type=float,
            default=60.0,
            help="Seconds between periodic ticks (reminders, links); 0 turns them off.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not log_system_checks(log):
            sys.exit(1)
        every = options.pop("tick_every")
        stop = threading.Event()
        ticks = threading.Thread(target=_tick_until, args=(stop, every), daemon=True)
        if every > 0:
            ticks.start()
        try:
            super().handle(*args, **options)
        finally:
            # The ticks end with the worker: a batch run (``--batch``) waits for the tick
            # under way instead of leaving a thread that touches the database later.
            stop.set()
            if ticks.is_alive():
                ticks.join()
