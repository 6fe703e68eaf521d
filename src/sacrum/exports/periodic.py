"""The worker's minute tick: delete the files of expired exports."""

from __future__ import annotations

import datetime as dt

from sacrum.exports.services import expire_exports


def tick(now: dt.datetime) -> dict[str, int]:
    return {"exports_expired": expire_exports(now)}
