"""The fast path: validated rows go to the database in large batches.

PostgreSQL: ``COPY … FROM STDIN`` straight into each table (psycopg's ``cursor.copy()``);
the rows were validated first, so a staging table would only add a second pass.
SQLite: ``executemany`` of one prepared INSERT. Each batch is one transaction; if the
database refuses it (an appointment booked meanwhile, say), the batch is written again
one record at a time, each in its own savepoint, and only the refused record is reported.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

UTC = dt.UTC


def _sqlite_converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    if isinstance(field, models.UUIDField) or (
        isinstance(field, models.ForeignKey) and isinstance(field.target_field, models.UUIDField)
    ):
        return lambda v: None if v is None else v.hex
    if isinstance(field, models.DateTimeField):
        return lambda v: (
            None if v is None else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        )
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(field, models.JSONField):
        return json.dumps
    return None


class Table:
    """One model's table: the columns we give, the defaults of the rest, encoded once."""

    def __init__(
        self, model: type[models.Model], given: Sequence[str], connection: BaseDatabaseWrapper
    ) -> None:
        self.model = model
        self.name = model._meta.db_table
        self.vendor = connection.vendor
        fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
        by_attname = {f.attname: f for f in fields}
        unknown = set(given) - set(by_attname)
        if unknown:
            raise ValueError(f"{self.name} has no column {sorted(unknown)}")
        self.columns = [f.column for f in fields]
        self.template: list[Any] = []
        self.slots: list[tuple[int, Callable[[Any], Any] | None]] = []
        position = {name: i for i, name in enumerate(given)}
        order: list[int] = []
        for index, field in enumerate(fields):
            if field.attname in position:
                self.template.append(None)
                order.append(position[field.attname])
                converter = _sqlite_converter(field) if self.vendor == "sqlite" else None
                self.slots.append((index, converter))
            else:
                default = field.get_default()
                self.template.append(field.get_db_prep_save(default, connection))
        self.order = order
        self.identity = not any(c for _, c in self.slots)

    def encode(self, values: Sequence[Any]) -> tuple[Any, ...]:
        row = self.template.copy()
        for (index, converter), source in zip(self.slots, self.order, strict=True):
            value = values[source]
            row[index] = converter(value) if converter is not None else value
        return tuple(row)

    def write(self, cursor: Any, rows: list[tuple[Any, ...]]) -> None:
        """Write encoded rows with the database's fastest way in."""
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in self.columns)
        if self.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{self.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        elif self.vendor == "sqlite":
            marks = ", ".join("?" for _ in self.columns)
            raw = cursor.cursor
            raw.executemany(f'INSERT INTO "{self.name}" ({names}) VALUES ({marks})', rows)  # noqa: S608
        else:  # pragma: no cover - Sacrum runs on these two
            marks = ", ".join("%s" for _ in self.columns)
            cursor.executemany(f'INSERT INTO "{self.name}" ({names}) VALUES ({marks})', rows)  # noqa: S608

    def write_one(self, cursor: Any, row: tuple[Any, ...]) -> None:
        """One row by a plain INSERT (the careful path after a refused batch)."""
        names = ", ".join(f'"{c}"' for c in self.columns)
        marks = ", ".join("%s" for _ in self.columns)
        cursor.execute(f'INSERT INTO "{self.name}" ({names}) VALUES ({marks})', row)  # noqa: S608


@functools.lru_cache(maxsize=65536)
def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    """Django's SQLite text for an aware datetime (naive UTC); sessions share few instants."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


_random = bytearray()
_random_lock = threading.Lock()


def new_id() -> uuid.UUID:
    """A random (version 4) UUID, as ``uuid.uuid4()`` but from one ``os.urandom`` call per
    4 096 ids instead of one per id."""
    global _random
    with _random_lock:
        if not _random:
            _random = bytearray(os.urandom(16 * 4096))
        chunk = bytes(_random[-16:])
        del _random[-16:]
    return uuid.UUID(bytes=chunk, version=4)
