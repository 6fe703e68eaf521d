"""Once a minute (``sacrum worker``): the clients' daily diary e-mails, at their chosen time."""

from __future__ import annotations

import datetime as dt

from sacrum.outcomes.reminders import send_diary_reminders


def tick(now: dt.datetime) -> dict[str, int]:
    return send_diary_reminders(now)
