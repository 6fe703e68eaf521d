"""The directory's minute: credential-expiry reminders and the slot feed's refresh."""

from __future__ import annotations

import datetime as dt

from sacrum.directory import feed, reminders


def tick(now: dt.datetime) -> dict[str, int]:
    refreshed = 0
    if feed.due(now):
        refreshed = feed.refresh(now)
    return {"credential_reminders": reminders.due(now.date()), "feed_lines": refreshed}
