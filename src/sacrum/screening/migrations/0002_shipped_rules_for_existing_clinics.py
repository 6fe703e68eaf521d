"""Existing clinics get the shipped screening rules (new clinics get them on creation)."""

from django.db import migrations


def forward(apps, schema_editor):
    from sacrum.screening.rules import install_shipped_rules

    Clinic = apps.get_model("clinics", "Clinic")
    Rule = apps.get_model("screening", "Rule")
    for clinic_id in Clinic.objects.values_list("id", flat=True):
        install_shipped_rules(clinic_id, Rule)


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_rules_answers_firings_and_alerts")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
