"""Django's ``flush`` (empty every table), allowed past the SQLite DELETE guards.

On PostgreSQL ``flush`` uses TRUNCATE, which the triggers allow; on SQLite it uses
DELETE, which they refuse for signed notes and the audit log unless the connection
is wiping (``sacrum.access.wipe``). Test databases are reset this way.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from sacrum.access.wipe import wiping


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with wiping(connections[options.get("database") or DEFAULT_DB_ALIAS]):
            super().handle(**options)
