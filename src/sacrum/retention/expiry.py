"""The end of a hold: the one path that removes a signed clinical record, and only one
erased client's, only after the clinic's retention period.

Signed notes, their rows, addenda and access reasons are guarded by database triggers
(charting migrations 0002 and 0004). They stay as they are. This module lifts them for
the rows of one erased client, inside one transaction, and nowhere else:

- PostgreSQL: ``ALTER TABLE … DISABLE TRIGGER`` and ``ENABLE TRIGGER`` in the same
  transaction. DDL is transactional: no other connection ever sees the triggers off
  (it waits on the table lock until the trigger is back), and a failure rolls the
  switch back with the deletes.
- SQLite: the per-connection ``sacrum_wiping()`` switch (``sacrum.access.wipe``), held
  only around these DELETE statements on this connection.

Each removal is checked against the hold first and written to the audit log.

Issued invoices are guarded too (billing migration 0002): at the end of the hold they stay
(numbers and amounts: the ledger keeps no gaps) and only the name they were made out to is
replaced by the erasure's reference (``scrub_invoices``), past the same kind of switch.
"""

# ruff: noqa: S608 - table names come from this module's constants; values are parameters.

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from sacrum.access.wipe import wiping

NOTE_CHILDREN = (
    "charting_rhythmfinding",
    "charting_stillpoint",
    "charting_restriction",
    "charting_techniqueentry",
)
# table → the trigger (PostgreSQL) that refuses DELETE there
GUARDED = {
    "charting_sessionnote": "charting_sessionnote_locked",
    **{table: f"{table}_locked" for table in NOTE_CHILDREN},
    "charting_addendum": "charting_addendum_append_only",
    "charting_sensitiveaccess": "charting_sensitiveaccess_append_only",
}


@contextmanager
def _guards_lifted() -> Iterator[None]:
    """Inside an atomic block only: the guarded tables accept this connection's DELETEs."""
    if not connection.in_atomic_block:
        raise RuntimeError("The retention guards are lifted only inside a transaction.")
    if connection.vendor == "postgresql":
        # ALTER TABLE refuses while deferred foreign-key checks are pending: run them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, trigger in GUARDED.items():
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, trigger in GUARDED.items():
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    elif connection.vendor == "sqlite":
        with wiping(connection):
            yield
    else:
        yield


def remove_signed_record(client_id: str) -> int:
    """Delete every session note of one client with its rows, addenda and access reasons.

    The caller has checked that the client's hold has ended. Returns the notes removed.
    """
    notes = "SELECT id FROM charting_sessionnote WHERE client_id = %s"
    with transaction.atomic(), _guards_lifted(), connection.cursor() as cursor:
        for table in (*NOTE_CHILDREN, "charting_addendum", "charting_sensitiveaccess"):
            cursor.execute(f"DELETE FROM {table} WHERE note_id IN ({notes})", [client_id])
        cursor.execute("DELETE FROM charting_sessionnote WHERE client_id = %s", [client_id])
        return int(cursor.rowcount)


INVOICE_TRIGGER = "billing_invoice_locked"


def scrub_invoices(client_id: str, reference: str) -> int:
    """Replace the name an erased client's invoices were made out to; returns the invoices.

    The caller has checked that the client's hold has ended. PostgreSQL: the lock trigger is
    disabled and enabled in the same transaction. SQLite has no switch for UPDATE triggers:
    the trigger's own SQL is read, the trigger dropped and re-created around the UPDATE,
    all in one IMMEDIATE transaction, so no other connection ever sees it gone.
    """
    update = "UPDATE billing_invoice SET bill_to = %s WHERE client_id = %s"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE billing_invoice DISABLE TRIGGER {INVOICE_TRIGGER}")
            cursor.execute(update, [reference, client_id])
            changed = int(cursor.rowcount)
            cursor.execute(f"ALTER TABLE billing_invoice ENABLE TRIGGER {INVOICE_TRIGGER}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return changed
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
            [INVOICE_TRIGGER],
        )
        found = cursor.fetchone()
        if found is not None:
            cursor.execute(f"DROP TRIGGER {INVOICE_TRIGGER}")
        cursor.execute(update, [reference, client_id])
        changed = int(cursor.rowcount)
        if found is not None:
            cursor.execute(found[0])
        return changed
