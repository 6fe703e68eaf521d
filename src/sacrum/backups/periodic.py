"""The worker's scheduled backup (``SACRUM_BACKUP_EVERY_HOURS``, 0 turns it off)."""

from __future__ import annotations

import datetime as dt

from sacrum.backups.schedule import scheduled_backup


def tick(now: dt.datetime) -> dict[str, str]:
    """Idempotent: the run's unique slot makes a second tick in the same interval a no-op."""
    run = scheduled_backup(now)
    return {} if run is None else {"backup": run.state}
