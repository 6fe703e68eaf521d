"""Small database expressions the availability engine reads through.

The engine reads tens of thousands of appointment rows at once; turning each
timestamp and UUID into Python objects would cost more than the query. So the
database hands back plain integers (seconds since the epoch) and text ids.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, BigIntegerField, CharField, Func, TextField


class EpochSeconds(Func):
    """A timestamp as whole seconds since 1970-01-01 UTC."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(DATE_PART('epoch', %(expressions)s) AS BIGINT)"
        )


class IdText(Func):
    """A UUID column as text (32 hex digits on SQLite, the dashed form on PostgreSQL)."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="%(expressions)s")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS TEXT)")


class EpochPair(Func):
    """``'<start>,<end>'`` of two timestamps as epoch seconds, as text."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="strftime('%%%%s', %(expressions)s)",
            arg_joiner=") || ',' || strftime('%%s', ",  # not %-formatted again
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            # date_part (double) is cheaper than EXTRACT (numeric since PostgreSQL 14).
            template="CAST(CAST(DATE_PART('epoch', %(expressions)s) AS BIGINT) AS TEXT)",
            arg_joiner=") AS BIGINT) AS TEXT) || ',' || CAST(CAST(DATE_PART('epoch', ",
        )


class JoinText(Aggregate):
    """All values of a group joined with commas: one row per group instead of thousands."""

    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="GROUP_CONCAT(%(expressions)s, ',')")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="STRING_AGG(%(expressions)s, ',')")


def parse_pairs(text: str | None) -> list[tuple[int, int]]:
    """``'s1,e1,s2,e2'`` → ``[(s1, e1), (s2, e2)]`` (split and int run in C)."""
    if not text:
        return []
    numbers = list(map(int, text.split(",")))
    return list(zip(numbers[::2], numbers[1::2], strict=True))
