"""SQLite refuses DELETE of signed notes, their rows, addenda and access reasons.

PostgreSQL has refused these since 0002 (TRUNCATE stays possible). SQLite now does
too; only emptying the whole database (``flush``, the test reset) passes, because the
triggers ask ``sacrum_wiping()`` (``sacrum.access.wipe``): false on every other path,
and absent outside Sacrum (the sqlite3 shell), where the DELETE then fails as well.
"""

# ruff: noqa: S608 - the SQL is built from this module's constants only, no input.

from django.db import migrations

MESSAGE = "A signed session note is locked. Add an addendum instead."
APPEND_ONLY = "Addenda and access reasons are append-only."
CHILDREN = (
    "charting_rhythmfinding",
    "charting_stillpoint",
    "charting_restriction",
    "charting_techniqueentry",
)
APPEND_ONLY_TABLES = ("charting_addendum", "charting_sensitiveaccess")


def sqlite_forward():
    sql = [
        f"""CREATE TRIGGER charting_sessionnote_no_delete BEFORE DELETE ON charting_sessionnote
WHEN OLD.status = 'signed' AND NOT sacrum_wiping()
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"""
    ]
    for table in CHILDREN:
        sql.append(
            f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
WHEN NOT sacrum_wiping() AND EXISTS (
    SELECT 1 FROM charting_sessionnote WHERE id = OLD.note_id AND status = 'signed')
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"""
        )
    for table in APPEND_ONLY_TABLES:
        sql.append(
            f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
WHEN NOT sacrum_wiping()
BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;"""
        )
    return sql


def sqlite_backward():
    tables = ("charting_sessionnote", *CHILDREN, *APPEND_ONLY_TABLES)
    return [f"DROP TRIGGER IF EXISTS {table}_no_delete;" for table in tables]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in sqlite_forward():
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in sqlite_backward():
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("charting", "0003_signed_notes_sealed_with_a_key")]
    operations = [migrations.RunPython(forward, backward)]
