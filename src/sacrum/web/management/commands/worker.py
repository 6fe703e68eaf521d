"""`sacrum worker`: runs background jobs (django-tasks' database worker under our name).

Beside the job queue, a thread runs every app's periodic ``tick`` once a minute
(reminders, measurement links, waitlist offers); see ``sacrum.web.periodic``.
"""

from __future__ import annotations

import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from sacrum.web.periodic import run_ticks


def _tick_forever(every: float) -> None:
    while True:
        close_old_connections()
        run_ticks(timezone.now())
        connection.close()
        time.sleep(every)


class Command(DatabaseWorker):
    help = "Run Sacrum's background jobs (e-mail, reminders, reports) from the database queue."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--tick-every",
            type=float,
            default=60.0,
            help="Seconds between periodic ticks (reminders, links); 0 turns them off.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options.pop("tick_every")
        if every > 0:
            threading.Thread(target=_tick_forever, args=(every,), daemon=True).start()
        super().handle(*args, **options)
