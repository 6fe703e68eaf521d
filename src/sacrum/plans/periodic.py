"""Once a minute (``sacrum worker``): carry out the plans' measurement schedules.

Idempotent: see ``plans.measurements`` for the unique rows and conditional claims that
make a second run, or a second worker, send nothing twice.
"""

from __future__ import annotations

import datetime as dt

from sacrum.plans import measurements


def tick(now: dt.datetime) -> dict[str, int]:
    return measurements.run(now)
