"""Small database expressions the availability engine reads through.

The engine reads tens of thousands of appointment rows at once; turning each
timestamp and UUID into Python objects would cost more than the query. So the
database hands back plain integers (seconds since the epoch) and text ids.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, CharField, Func


class EpochSeconds(Func):
    """A timestamp as whole seconds since 1970-01-01 UTC."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS BIGINT)"
        )


class IdText(Func):
    """A UUID column as text (32 hex digits on SQLite, the dashed form on PostgreSQL)."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="%(expressions)s")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS TEXT)")


def id_keys(value: Any) -> tuple[str, str]:
    """Both text forms a UUID comes back as, so rows can be matched on either database."""
    return value.hex, str(value)
