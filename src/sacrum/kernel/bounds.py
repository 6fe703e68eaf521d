"""The calendar years Sacrum accepts from anyone: 1900-01-01 to 2200-12-31.

Python's dates run from year 1 to 9999 and arithmetic near either end overflows (a week
after 9999-12-30 does not exist), yet no appointment, closure or living client's birth date
lies outside these years. The API (``sacrum.api.fields``) and the pages refuse dates outside
them with a message instead of failing later.
"""

from __future__ import annotations

import datetime as dt

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)
DATE_RANGE_TEXT = f"between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}"


def sensible(day: dt.date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE
