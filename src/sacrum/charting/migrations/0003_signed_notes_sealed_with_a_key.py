"""Seal each signed note and addendum with a key the database does not hold.

Adds ``seal``: an HMAC-SHA256 of the stored content hash with a key derived from the
server's ``SECRET_KEY`` (see ``sacrum.charting.signing.seal``). Notes and addenda
signed before this migration are sealed here, with the key configured when it runs:
their seal vouches for their content as it was at that moment, not at signing.

The signed rows are locked by triggers (0002), so the seals are written with those
triggers lifted inside this migration's transaction. On SQLite adding a column
rebuilds the table, which fails while other tables' triggers name it and would drop
its own: 0002's triggers are dropped first and re-created at the end.
"""

# ruff: noqa: S608 - the SQL is built from this module's constants only, no input.

from importlib import import_module

from django.db import migrations, models
from django.utils.crypto import salted_hmac

# Frozen copies of signing.SEAL_SALTS: a migration must not change if the code does.
NOTE_SALT = "sacrum.charting.seal.note-1"
ADDENDUM_SALT = "sacrum.charting.seal.addendum-1"
LOCKED = {
    "charting_sessionnote": "charting_sessionnote_locked",
    "charting_addendum": "charting_addendum_append_only",
}


def _seal(salt, content_hash):
    return salted_hmac(salt, content_hash, algorithm="sha256").hexdigest()


def _write_seals(apps):
    SessionNote = apps.get_model("charting", "SessionNote")
    Addendum = apps.get_model("charting", "Addendum")
    notes = list(SessionNote.objects.filter(status="signed").only("pk", "content_hash"))
    for note in notes:
        note.seal = _seal(NOTE_SALT, note.content_hash)
    SessionNote.objects.bulk_update(notes, ["seal"], batch_size=500)
    addenda = list(Addendum.objects.only("pk", "content_hash"))
    for addendum in addenda:
        addendum.seal = _seal(ADDENDUM_SALT, addendum.content_hash)
    Addendum.objects.bulk_update(addenda, ["seal"], batch_size=500)


def _earlier():
    return import_module("sacrum.charting.migrations.0002_signed_notes_are_locked")


def unlock(apps, schema_editor):
    """SQLite only: lift 0002's triggers so the tables can be rebuilt."""
    if schema_editor.connection.vendor == "sqlite":
        for sql in _earlier().sqlite_backward():
            schema_editor.execute(sql)


def relock(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in _earlier().sqlite_forward():
            schema_editor.execute(sql)


def seal_and_relock(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, trigger in LOCKED.items():
            schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        _write_seals(apps)
        for table, trigger in LOCKED.items():
            schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")
    elif vendor == "sqlite":
        _write_seals(apps)
        relock(apps, schema_editor)
    else:
        _write_seals(apps)


class Migration(migrations.Migration):
    dependencies = [("charting", "0002_signed_notes_are_locked")]
    operations = [
        migrations.RunPython(unlock, relock),
        migrations.AddField(
            model_name="sessionnote",
            name="seal",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="HMAC of the content hash with a key from the server's SECRET_KEY.",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="addendum",
            name="seal",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(seal_and_relock, unlock),
    ]
