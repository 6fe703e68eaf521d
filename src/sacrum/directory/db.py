"""A database aggregate the directory reads through."""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, TextField

SEPARATOR = "\x1f"  # the ASCII unit separator: never in a typed title


class JoinUnits(Aggregate):
    """A group's values in one text, separated by the unit separator (one row, not many)."""

    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="GROUP_CONCAT(%(expressions)s, char(31))")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="STRING_AGG(%(expressions)s, chr(31))")


def split_units(text: str | None) -> list[str]:
    return sorted(t for t in (text or "").split(SEPARATOR) if t)
