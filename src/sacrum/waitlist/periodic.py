"""Once a minute: expire what is due, close slots that are taken, offer free time.

The scan catches everything the signal receivers could miss (a booking moved by a
bulk update, hours added, time off removed, a worker that was down). It is safe to run
twice at once: slots and offers are unique in the database, so a duplicate is skipped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sacrum.waitlist.matching import scan
from sacrum.waitlist.services import housekeeping


def tick(now: dt.datetime) -> dict[str, Any]:
    done = housekeeping(now)
    found = scan(now)
    return {
        "offers_expired": done.offers_expired,
        "slots_closed": done.slots_closed,
        "entries_expired": done.entries_expired,
        "offered": found.offered,
        "skipped_blocked": found.blocked,
        "skipped_no_email": found.no_email,
    }
