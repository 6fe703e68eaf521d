"""No double booking in the database: exclusion constraints on PostgreSQL, triggers on SQLite.

The vendor decides inside the operation (see ``sacrum.scheduling.constraints``), so
the same migration history runs on both databases.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from sacrum.scheduling import constraints


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_service_types_hours_and_appointments")]

    operations = [
        # CreateExtension does nothing on databases other than PostgreSQL.
        BtreeGistExtension(),
        migrations.RunPython(constraints.install, constraints.uninstall),
    ]
