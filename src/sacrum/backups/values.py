"""Column values in a database-neutral JSON form, and back.

Every value is written as JSON that means the same on SQLite and PostgreSQL: ids as
text, datetimes as UTC ISO-8601 with microseconds, decimals as exact text, bytes as
base64, durations as whole microseconds, JSON columns as JSON. A foreign key is
written as the value of the key it points at.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import models

# Fields whose values JSON holds as they are.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "BigIntegerField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "BooleanField",
    "NullBooleanField",
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
    "URLField",
    "FileField",
    "ImageField",
    "FilePathField",
    "GenericIPAddressField",
    "IPAddressField",
    "FloatField",
    "JSONField",
}
_CODED = {"UUIDField", "DateTimeField", "DateField", "TimeField", "DecimalField", "BinaryField"}
_CODED |= {"DurationField"}


def kind(field: models.Field[Any, Any]) -> str:
    """The storage kind of a column: a key's kind is the kind of what it points at."""
    while field.is_relation:
        target = getattr(field, "target_field", None)
        assert isinstance(target, models.Field)
        field = target
    name = field.get_internal_type()
    if name not in _PLAIN and name not in _CODED:
        raise ValueError(f"{field.model._meta.label}.{field.name}: no backup form for {name}")
    return name


def encode(kind_name: str, value: Any) -> Any:
    """A Python value as the ORM reads it → its JSON form."""
    if value is None or kind_name in _PLAIN:
        return value
    if kind_name == "UUIDField":
        return str(value)
    if kind_name == "DateTimeField":
        if value.tzinfo is None:
            raise ValueError("a naive datetime: Sacrum stores aware UTC datetimes only")
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if kind_name in ("DateField", "TimeField"):
        return value.isoformat()
    if kind_name == "DecimalField":
        return str(value)
    if kind_name == "BinaryField":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind_name == "DurationField":
        return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    raise ValueError(f"no backup form for {kind_name}")


def decode(kind_name: str, value: Any) -> Any:
    """The JSON form → the Python value the ORM would save."""
    if value is None or kind_name in _PLAIN:
        return value
    if kind_name == "UUIDField":
        return uuid.UUID(value)
    if kind_name == "DateTimeField":
        return dt.datetime.fromisoformat(value)
    if kind_name == "DateField":
        return dt.date.fromisoformat(value)
    if kind_name == "TimeField":
        return dt.time.fromisoformat(value)
    if kind_name == "DecimalField":
        return Decimal(value)
    if kind_name == "BinaryField":
        return base64.b64decode(value)
    if kind_name == "DurationField":
        return dt.timedelta(microseconds=value)
    raise ValueError(f"no backup form for {kind_name}")
