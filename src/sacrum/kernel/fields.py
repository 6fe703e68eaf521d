"""Bounded input types for the API: dates a clinic can mean, local times, page numbers.

Dates outside ``sacrum.bounds`` (1900-2200) are refused with a 422 naming the field instead
of overflowing later. Local times are wall-clock times at a location: a UTC offset has no
meaning there and the SQLite backend cannot store one, so it is refused too.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema

from sacrum.kernel.bounds import DATE_RANGE_TEXT, sensible

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200


def _day_in_range(value: dt.date) -> dt.date:
    if not sensible(value):
        raise ValueError(f"Give a date {DATE_RANGE_TEXT}.")
    return value


def _moment_in_range(value: dt.datetime) -> dt.datetime:
    if not sensible(value.date()):
        raise ValueError(f"Give a date and time {DATE_RANGE_TEXT}.")
    return value


def _wall_clock(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError("Give a local time without a UTC offset, e.g. 09:30.")
    return value


Day = Annotated[dt.date, AfterValidator(_day_in_range)]
"""A calendar date the API accepts: 1900-01-01 … 2200-12-31."""

Moment = Annotated[dt.datetime, AfterValidator(_moment_in_range)]
"""A date and time the API accepts: within the same years as ``Day``."""

LocalTime = Annotated[
    dt.time,
    AfterValidator(_wall_clock),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
            "description": "Local wall-clock time, HH:MM or HH:MM:SS, without a UTC offset.",
        }
    ),
]
"""A wall-clock time at a location (``HH:MM`` or ``HH:MM:SS``), never with an offset.

Published as a pattern rather than ``format: time``, which in JSON Schema means an RFC 3339
time *with* an offset — the opposite of what these fields hold.
"""

PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
PageSize = Annotated[
    int,
    Field(ge=1, description=f"Items per page; more than {MAX_PAGE_SIZE} gives {MAX_PAGE_SIZE}."),
]
