"""Copies of a client's record made by staff (a request by post): why, by whom, when.

A row is never changed, in the database too (a trigger on PostgreSQL and SQLite).
"""

import django.db.models.deletion
import uuid
from django.db import migrations, models


PG_FORWARD = """
CREATE OR REPLACE FUNCTION sacrum_record_copy_is_fixed() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'A record copy is never changed';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER portal_recordcopy_is_fixed
  BEFORE UPDATE ON portal_recordcopy
  FOR EACH ROW EXECUTE FUNCTION sacrum_record_copy_is_fixed();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS portal_recordcopy_is_fixed ON portal_recordcopy;
DROP FUNCTION IF EXISTS sacrum_record_copy_is_fixed();
"""
SQLITE_FORWARD = """CREATE TRIGGER portal_recordcopy_is_fixed BEFORE UPDATE ON portal_recordcopy
BEGIN SELECT RAISE(ABORT, 'A record copy is never changed'); END;"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS portal_recordcopy_is_fixed;"


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

    dependencies = [
        ('clients', '0004_consent_is_append_only_and_default_text'),
        ('clinics', '0001_initial'),
        ('portal', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='RecordCopy',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('made_at', models.DateTimeField(auto_now_add=True)),
                ('format', models.CharField(choices=[('pdf', 'PDF'), ('json', 'JSON')], max_length=4)),
                ('reason', models.CharField(max_length=500)),
                ('client', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clients.client')),
                ('clinic', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinics.clinic')),
                ('made_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinics.membership')),
            ],
            options={
                'ordering': ('-made_at',),
                'constraints': [models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='portal_record_copy_reason_given')],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
