"""A consistent view of the whole database while Sacrum keeps running.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies every page in
one step under one read transaction, so the copy is the database at one instant while
writers carry on (WAL). The backup is then read from the copy.
PostgreSQL: one REPEATABLE READ, READ ONLY transaction on a connection of its own:
every table is read as of the transaction's first query, nothing is locked, nobody waits.
"""

from __future__ import annotations

import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend


@contextmanager
def extra_connection(settings_dict: dict[str, Any]) -> Iterator[str]:
    """A connection of its own under a new alias for the length of the block, closed after.

    Made directly rather than added to ``DATABASES``: the alias exists only in this
    thread's connection handler, and nothing else can pick it up.
    """
    alias = f"sacrum_backup_{uuid.uuid4().hex[:12]}"
    backend = load_backend(settings_dict["ENGINE"])
    connections[alias] = backend.DatabaseWrapper(settings_dict, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


@contextmanager
def consistent_reads(connection: BaseDatabaseWrapper, scratch: Path | None = None) -> Iterator[str]:
    """The alias of a connection that sees the whole database as of one instant.

    SQLite's copy goes into ``scratch`` (beside the backup: the system's temporary
    folder may be a small in-memory one) and is deleted at the end of the block.
    """
    settings_dict = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory(prefix=".sacrum-snapshot-", dir=scratch) as folder:
            copy = Path(folder) / "snapshot.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(copy)
            try:
                connection.connection.backup(target)  # one step: one read transaction
            finally:
                target.close()
            settings_dict.update(NAME=str(copy), OPTIONS={})
            with extra_connection(settings_dict) as alias:
                yield alias
        return
    if connection.vendor != "postgresql":
        raise RuntimeError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")
    with extra_connection(settings_dict) as alias, transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # The snapshot is taken by the transaction's first query: now, on entering
            # the block, not whenever the first table happens to be read.
            cursor.execute("SELECT 1")
        yield alias
