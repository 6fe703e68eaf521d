"""Existing clinics get the shipped listening stations and technique templates.

New clinics get them on creation (``charting.signals``); the reads no longer install
them on first use.
"""

from django.db import migrations


def forward(apps, schema_editor):
    from sacrum.charting.services import ensure_defaults

    Clinic = apps.get_model("clinics", "Clinic")
    stations = apps.get_model("charting", "ListeningStation")
    templates = apps.get_model("charting", "TechniqueTemplate")
    for clinic_id in Clinic.objects.values_list("id", flat=True):
        ensure_defaults(clinic_id, stations, templates)


class Migration(migrations.Migration):
    dependencies = [("charting", "0004_signed_notes_refuse_delete_on_sqlite")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
