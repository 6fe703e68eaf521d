"""The one way past SQLite's DELETE guards: emptying the whole database (``flush``).

PostgreSQL's triggers refuse DELETE of signed notes, their rows, addenda and audit
entries but let TRUNCATE through: the owner's way to empty every table (``flush``,
test resets). SQLite has no TRUNCATE, so its DELETE triggers ask
``sacrum_wiping()`` instead: a function Sacrum registers on each of its SQLite
connections, true only inside ``wiping(connection)``. Outside Sacrum (the sqlite3
shell, another program) the function does not exist and the DELETE fails as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver

FUNCTION = "sacrum_wiping"
_FLAG = "_sacrum_wiping"


@receiver(connection_created)
def register_wipe_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        FUNCTION, 0, lambda: int(getattr(connection, _FLAG, False))
    )


@contextmanager
def wiping(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Let this connection's DELETEs through the SQLite guards (for emptying every table)."""
    setattr(connection, _FLAG, True)
    try:
        yield
    finally:
        setattr(connection, _FLAG, False)
