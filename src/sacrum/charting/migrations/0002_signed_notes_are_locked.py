"""A signed note never changes, in the database too.

PostgreSQL: triggers refuse UPDATE and DELETE of a signed note, INSERT/UPDATE/DELETE of
any row under a signed note (rhythm findings, still points, restrictions, techniques),
and UPDATE/DELETE of addenda and access reasons. TRUNCATE (an owner's maintenance
operation, and how test databases are reset) stays possible.

SQLite: the same triggers for UPDATE and INSERT. DELETE was refused by the models and
querysets only here, because Django's test flush empties SQLite tables with DELETE;
migration 0004 adds the SQLite DELETE triggers, which let only ``flush`` through.

``tests/charting/test_signing.py`` lifts these triggers by name inside its own
transaction to plant changes for the ``verify`` tests.
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

PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION sacrum_charting_note_locked() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'signed' THEN
    RAISE EXCEPTION '{MESSAGE}';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION sacrum_charting_child_locked() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
      SELECT 1 FROM charting_sessionnote WHERE id = OLD.note_id AND status = 'signed') THEN
    RAISE EXCEPTION '{MESSAGE}';
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
      SELECT 1 FROM charting_sessionnote WHERE id = NEW.note_id AND status = 'signed') THEN
    RAISE EXCEPTION '{MESSAGE}';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION sacrum_charting_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '{APPEND_ONLY}';
END;
$$ LANGUAGE plpgsql;
"""


def pg_forward() -> list[str]:
    sql = [
        PG_FUNCTIONS,
        """CREATE TRIGGER charting_sessionnote_locked
  BEFORE UPDATE OR DELETE ON charting_sessionnote
  FOR EACH ROW EXECUTE FUNCTION sacrum_charting_note_locked();""",
    ]
    for table in CHILDREN:
        sql.append(
            f"""CREATE TRIGGER {table}_locked
  BEFORE INSERT OR UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION sacrum_charting_child_locked();"""
        )
    for table in APPEND_ONLY_TABLES:
        sql.append(
            f"""CREATE TRIGGER {table}_append_only
  BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION sacrum_charting_append_only();"""
        )
    return sql


def pg_backward() -> list[str]:
    sql = ["DROP TRIGGER IF EXISTS charting_sessionnote_locked ON charting_sessionnote;"]
    sql += [f"DROP TRIGGER IF EXISTS {t}_locked ON {t};" for t in CHILDREN]
    sql += [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};" for t in APPEND_ONLY_TABLES]
    sql += [
        "DROP FUNCTION IF EXISTS sacrum_charting_note_locked();",
        "DROP FUNCTION IF EXISTS sacrum_charting_child_locked();",
        "DROP FUNCTION IF EXISTS sacrum_charting_append_only();",
    ]
    return sql


def sqlite_forward() -> list[str]:
    sql = [
        f"""CREATE TRIGGER charting_sessionnote_locked BEFORE UPDATE ON charting_sessionnote
WHEN OLD.status = 'signed'
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"""
    ]
    for table in CHILDREN:
        sql.append(
            f"""CREATE TRIGGER {table}_locked BEFORE UPDATE ON {table}
WHEN EXISTS (SELECT 1 FROM charting_sessionnote
             WHERE id IN (OLD.note_id, NEW.note_id) AND status = 'signed')
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"""
        )
        sql.append(
            f"""CREATE TRIGGER {table}_locked_insert BEFORE INSERT ON {table}
WHEN EXISTS (SELECT 1 FROM charting_sessionnote WHERE id = NEW.note_id AND status = 'signed')
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"""
        )
    for table in APPEND_ONLY_TABLES:
        sql.append(
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;"""
        )
    return sql


def sqlite_backward() -> list[str]:
    names = ["charting_sessionnote_locked"]
    for table in CHILDREN:
        names += [f"{table}_locked", f"{table}_locked_insert"]
    names += [f"{t}_append_only" for t in APPEND_ONLY_TABLES]
    return [f"DROP TRIGGER IF EXISTS {name};" for name in names]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = (
        pg_forward() if vendor == "postgresql" else sqlite_forward() if vendor == "sqlite" else []
    )
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = (
        pg_backward() if vendor == "postgresql" else sqlite_backward() if vendor == "sqlite" else []
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("charting", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
