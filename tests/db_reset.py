"""Emptying the test database after a transactional test: only the tables that hold rows.

Django's ``TransactionTestCase`` flushes every table and then re-emits ``post_migrate``,
which rebuilds the content types and permissions it has just deleted. On PostgreSQL the
TRUNCATE of ~130 tables is most of a browser test's teardown, and the signal's bulk
inserts are where a rare teardown error struck in CI ("an error occurred in the current
transaction"). Here the tables that hold rows are found in one query and only those are
emptied (on PostgreSQL with DELETE where the triggers allow it, far cheaper than TRUNCATE
for a test's few rows); the content types and permissions stay, which is the state
``post_migrate`` would have rebuilt. The SQLite DELETE guards are passed the one sanctioned way
(``sacrum.access.wipe``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import TransactionTestCase

from sacrum.access.wipe import wiping

# Filled by post_migrate, not by anything a test does; kept across tests.
KEPT = frozenset({"django_content_type", "auth_permission"})


def tables_with_rows(connection: BaseDatabaseWrapper) -> list[str]:
    """The Django tables (except ``KEPT``) that hold at least one row, in one query."""
    tables = sorted(
        set(connection.introspection.django_table_names(only_existing=True, include_views=False))
        - KEPT
    )
    if not tables:
        return []
    quote = connection.ops.quote_name
    probes = " UNION ALL ".join(
        f"SELECT CAST(%s AS TEXT) WHERE EXISTS (SELECT 1 FROM {quote(table)})" for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(probes, tables)
        return [row[0] for row in cursor.fetchall()]


def empty_database(connection: BaseDatabaseWrapper) -> list[str]:
    """Empty every table that holds rows (but ``KEPT``); the tables it emptied."""
    if connection.in_atomic_block:
        # A test (or a finaliser) left this thread's connection inside a transaction:
        # say so plainly rather than fail later with "an error occurred in the transaction".
        raise AssertionError(
            "the test left its database connection inside a transaction "
            f"(needs_rollback={connection.needs_rollback}, "
            f"savepoints={len(connection.savepoint_ids)})"
        )
    tables = tables_with_rows(connection)
    if not tables:
        return tables
    if connection.vendor == "postgresql":
        _empty_postgresql(connection, tables)
    else:
        statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
        with wiping(connection):
            connection.ops.execute_sql_flush(statements)
    return tables


def _empty_postgresql(connection: BaseDatabaseWrapper, tables: list[str]) -> None:
    """DELETE the small tables (a TRUNCATE costs ~15 ms a table, a DELETE of a few rows
    well under one); TRUNCATE the ones whose triggers refuse DELETE (signed notes, audit)."""
    quote = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE NOT t.tgisinternal AND t.tgtype & 8 <> 0 AND c.relname = ANY(%s)",
            [tables],
        )
        guarded = sorted(row[0] for row in cursor.fetchall())
        # TRUNCATE first: PostgreSQL refuses it once a DELETE has left foreign-key checks
        # pending in the transaction. CASCADE also empties the tables that point at these.
        if guarded:
            cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in guarded)} CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # delete in any order
        for table in tables:
            if table not in guarded:
                cursor.execute(f"DELETE FROM {quote(table)}")


def _fixture_teardown(self: Any) -> None:
    for name in self._databases_names(include_mirrors=False):
        empty_database(connections[name])


def install() -> None:
    """Use ``empty_database`` for every transactional test's teardown (from conftest)."""
    setattr(TransactionTestCase, "_fixture_teardown", _fixture_teardown)  # noqa: B010
