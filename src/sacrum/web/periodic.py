"""Periodic work: each app's ``periodic.py`` may define ``tick(now)``.

``sacrum worker`` calls every ``tick`` once a minute (and ``sacrum tick`` once, for
cron or tests). A tick must be idempotent — safe to run twice for the same minute, or
from two workers at once — so it holds its "done once" rules in the database
(unique constraints), never in memory.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache
from typing import Any

from sacrum.web.app_modules import app_modules
from sacrum.web.retention import prune_finished_tasks

log = logging.getLogger(__name__)


@cache
def _providers() -> list[Any]:
    return app_modules("periodic", "tick")


def tick(now: dt.datetime) -> dict[str, int]:
    """The web app's own periodic work: prune finished background jobs."""
    return {"tasks_pruned": prune_finished_tasks(now)}


def run_ticks(now: dt.datetime) -> dict[str, Any]:
    """Run every app's tick; one app's failure is logged and does not stop the others."""
    results: dict[str, Any] = {}
    for module in _providers():
        name = module.__name__.split(".")[1]
        try:
            results[name] = module.tick(now)
        except Exception:  # a broken tick must not stop reminders elsewhere
            log.exception("periodic tick failed", extra={"app": name})
            results[name] = "failed"
    return results
