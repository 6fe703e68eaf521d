"""Each kind of column survives the trip through JSON exactly (no database needed)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sacrum.backups import values

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("kind", "value", "written"),
    [
        ("UUIDField", uuid.UUID(int=7), "00000000-0000-0000-0000-000000000007"),
        (
            "DateTimeField",
            dt.datetime(2026, 6, 10, 13, 30, 0, 123456, tzinfo=LONDON),
            "2026-06-10T12:30:00.123456+00:00",
        ),
        ("DateField", dt.date(2028, 2, 29), "2028-02-29"),
        ("TimeField", dt.time(23, 59, 59, 999999), "23:59:59.999999"),
        ("DecimalField", Decimal("7.50"), "7.50"),
        ("BinaryField", b"\x00\xff\r\n", "AP8NCg=="),
        ("DurationField", dt.timedelta(days=-1, microseconds=5), -86_399_999_995),
        ("JSONField", {"tags": ["neck", None], "n": 1.5}, {"tags": ["neck", None], "n": 1.5}),
        ("CharField", "Zoë — ✓", "Zoë — ✓"),
        ("IntegerField", None, None),
    ],
)
def test_values_round_trip_exactly(kind: str, value: Any, written: Any) -> None:
    encoded = values.encode(kind, value)
    assert encoded == written
    decoded = values.decode(kind, json.loads(json.dumps(encoded)))
    assert decoded == value and type(decoded) is type(value)
    if isinstance(value, dt.datetime):
        assert decoded.utcoffset() == dt.timedelta(0) and decoded.microsecond == 123456


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        values.encode("DateTimeField", dt.datetime(2026, 1, 1, 12, 0))
