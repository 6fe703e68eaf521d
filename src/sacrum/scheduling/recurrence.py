"""The local dates of a series, phase by phase (e.g. weekly x 6, then monthly x 3).

Dates come first and times second: each occurrence is "this date at 10:00 local",
converted with that date's offset, so a weekly 10:00 stays 10:00 across DST.

"Monthly" keeps the weekday, as practitioners work on fixed weekdays: the same n-th
weekday of each month (the first Tuesday, ...); a fifth weekday becomes the last one.
A phase after another starts one of its own steps after the previous phase's last date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from dateutil.relativedelta import relativedelta, weekday

from sacrum.scheduling.models.series import MAX_OCCURRENCES, Rule

STEP_DAYS = {Rule.WEEKLY: 7, Rule.EVERY_2_WEEKS: 14}


def _nth_weekday(anchor: dt.date, months: int) -> dt.date:
    n = (anchor.day - 1) // 7 + 1
    wd = weekday(anchor.weekday())
    shifted: dt.date  # dateutil ships no types
    if n >= 5:
        shifted = anchor + relativedelta(months=months, day=31, weekday=wd(-1))
    else:
        shifted = anchor + relativedelta(months=months, day=1, weekday=wd(n))
    return shifted


def _step(anchor: dt.date, rule: str, k: int) -> dt.date:
    if rule == Rule.MONTHLY:
        return _nth_weekday(anchor, k)
    return anchor + dt.timedelta(days=STEP_DAYS[Rule(rule)] * k)


def _phase_dates(anchor: dt.date, rule: str, first: bool) -> Iterator[dt.date]:
    k = 0 if first else 1
    while True:
        yield _step(anchor, rule, k)
        k += 1


def occurrence_dates(
    first_date: dt.date, phases: list[dict[str, Any]], until: dt.date | None = None
) -> list[dt.date]:
    """Every date of the series, in order, at most ``MAX_OCCURRENCES``."""
    dates: list[dt.date] = []
    anchor = first_date
    for i, phase in enumerate(phases):
        count = phase.get("count")
        for produced, day in enumerate(_phase_dates(anchor, phase["rule"], first=i == 0)):
            if until is not None and day > until:
                return dates
            if (count is not None and produced >= count) or len(dates) >= MAX_OCCURRENCES:
                break
            dates.append(day)
        if dates:
            anchor = dates[-1]
    return dates
