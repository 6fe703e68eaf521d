"""The worker's minute: plan the reminders that have come due, then send them."""

from __future__ import annotations

import datetime as dt

from sacrum.notifications import reminders


def tick(now: dt.datetime) -> dict[str, int]:
    """Idempotent: the delivery rows' unique constraint and claims make a second run a no-op."""
    planned = reminders.plan(now)
    done = reminders.send_due(now)
    return {"planned": planned, **{k: v for k, v in done.items() if v}}
