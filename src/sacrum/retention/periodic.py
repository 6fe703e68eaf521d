"""The worker's minute: end the holds whose retention period is over."""

from __future__ import annotations

import datetime as dt

from sacrum.retention.services import purge_due


def tick(now: dt.datetime) -> dict[str, int]:
    """Idempotent: a hold is ended under a row lock and marked ``purged_at`` in one transaction."""
    ended = purge_due(now)
    return {"holds_ended": ended} if ended else {}
