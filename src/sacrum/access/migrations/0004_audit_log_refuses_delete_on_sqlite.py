"""SQLite refuses DELETE of audit entries too, as PostgreSQL already does (0003).

Only emptying the whole database (``flush``, the test reset) passes: the trigger asks
``sacrum_wiping()`` (``sacrum.access.wipe``), which is false on every other path and
does not exist outside Sacrum. PostgreSQL is unchanged: its trigger refuses UPDATE and
DELETE and allows TRUNCATE.
"""

from django.db import migrations

SQLITE_FORWARD = """
CREATE TRIGGER access_auditentry_no_delete BEFORE DELETE ON access_auditentry
WHEN NOT sacrum_wiping()
BEGIN SELECT RAISE(ABORT, 'The audit log is append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS access_auditentry_no_delete;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("access", "0003_audit_log_append_only")]
    operations = [migrations.RunPython(forward, backward)]
