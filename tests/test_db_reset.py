"""The transactional tests' teardown: it empties what a test wrote and keeps the content
types and permissions, without re-running ``post_migrate`` (tests/db_reset.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from sacrum.access.models import AuditEntry
from sacrum.charting.models import SessionNote
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic
from tests.conftest import Persona
from tests.db_reset import empty_database, tables_with_rows

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_reset_empties_every_table_a_test_wrote_and_keeps_the_content_types(
    owner: Persona, a_client: Client
) -> None:
    kinds, permissions = ContentType.objects.count(), Permission.objects.count()
    written = tables_with_rows(connection)
    assert {Clinic._meta.db_table, Client._meta.db_table, AuditEntry._meta.db_table} <= set(written)
    assert ContentType._meta.db_table not in written
    assert SessionNote._meta.db_table not in written  # nothing charted: not touched

    emptied = empty_database(connection)

    assert sorted(emptied) == sorted(written)
    assert tables_with_rows(connection) == []
    assert not Clinic.objects.exists() and not Client.objects.exists()
    assert not AuditEntry.objects.exists()  # the guarded audit log too (SQLite triggers)
    assert (ContentType.objects.count(), Permission.objects.count()) == (kinds, permissions)


def test_a_connection_left_inside_a_transaction_is_named_not_flushed(owner: Persona) -> None:
    with transaction.atomic():
        with pytest.raises(AssertionError, match="inside a transaction"):
            empty_database(connection)
        assert Clinic.objects.exists()
