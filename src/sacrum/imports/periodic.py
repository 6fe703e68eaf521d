"""Imports' periodic clean-up: an uploaded file nobody imported is deleted after a day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sacrum.imports.services import forget_stale_uploads


def tick(now: dt.datetime) -> dict[str, Any]:
    return {"import_uploads_deleted": forget_stale_uploads(now)}
