"""The fast path: validated rows go to the database in large batches.

PostgreSQL: ``COPY … FROM STDIN`` straight into each table (psycopg's ``cursor.copy()``);
the rows were validated first, so a staging table would only add a second pass over rows
whose cost is the tables' own rules (see docs/data-import.md, "Speed": the same rows COPY'd
ready-made into the real tables take 5-10 times a bare table's COPY, most of it the
double-booking exclusion constraints and the deferred foreign-key checks).
SQLite: ``executemany`` of one prepared INSERT, with a larger page cache while it runs. Each batch is one transaction; if the
database refuses it (an appointment booked meanwhile, say), the batch is written again
one record at a time, each in its own savepoint, and only the refused record is reported.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

UTC = dt.UTC
# SQLite's page cache while an import writes: its default (2 MB) is far smaller than the
# indexes of a large import, and every insert into them then reads pages back from the
# file. 256 MB at most, for this connection and only while the import runs.
SQLITE_IMPORT_CACHE_KB = 256 * 1024


@contextmanager
def import_session(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """The connection tuned for a large write while the import runs, then as it was.
    Only sizes change: every key, constraint and trigger stays in force."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _sqlite_converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How Django's SQLite backend stores a value of ``field`` (never called with None)."""
    if isinstance(field, models.UUIDField) or (
        isinstance(field, models.ForeignKey) and isinstance(field.target_field, models.UUIDField)
    ):
        return operator.attrgetter("hex")
    if isinstance(field, models.DateTimeField):
        return _sqlite_datetime
    if isinstance(field, models.DateField):
        return dt.date.isoformat
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
        position = {name: i for i, name in enumerate(given)}
        # A row is the given values followed by the defaults; ``pick`` puts each column's
        # value in the table's order with one C-level call (no per-column Python).
        defaults: list[Any] = []
        picks: list[int] = []
        converters: list[Callable[[Any], Any] | None] = [None] * len(given)
        for field in fields:
            if field.attname in position:
                index = position[field.attname]
                picks.append(index)
                if self.vendor == "sqlite":
                    converters[index] = _sqlite_converter(field)
            else:
                picks.append(len(given) + len(defaults))
                defaults.append(field.get_db_prep_save(field.get_default(), connection))
        self.defaults = tuple(defaults)
        self.pick = operator.itemgetter(*picks)
        self.converters = tuple(converters)
        self.identity = not any(self.converters)

    def encode(self, values: Sequence[Any]) -> tuple[Any, ...]:
        if not self.identity:
            values = [
                value if convert is None or value is None else convert(value)
                for value, convert in zip(values, self.converters, strict=True)
            ]
        row: tuple[Any, ...] = self.pick((*values, *self.defaults))
        return row

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
def _sqlite_datetime(value: dt.datetime) -> str:
    """Django's SQLite text for an aware datetime (naive UTC); sessions share few instants."""
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
