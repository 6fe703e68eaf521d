"""The database itself refuses to change or delete audit entries.

PostgreSQL: a trigger rejects UPDATE and DELETE (TRUNCATE, an owner-only maintenance
operation, stays possible so test databases can be reset). SQLite: a trigger rejects
UPDATE; DELETE is refused by the application layer (SQLite's test flush needs it).
Migration 0004 adds SQLite's DELETE trigger, which lets only ``flush`` through.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION sacrum_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'The audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_auditentry_append_only
  BEFORE UPDATE OR DELETE ON access_auditentry
  FOR EACH ROW EXECUTE FUNCTION sacrum_audit_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS access_auditentry_append_only ON access_auditentry;
DROP FUNCTION IF EXISTS sacrum_audit_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER access_auditentry_no_update BEFORE UPDATE ON access_auditentry
BEGIN SELECT RAISE(ABORT, 'The audit log is append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS access_auditentry_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("access", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
