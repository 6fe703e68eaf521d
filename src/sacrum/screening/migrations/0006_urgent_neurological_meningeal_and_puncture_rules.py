"""Existing clinics get the rules shipped with issue 18 (new clinics get them on creation).

New neurological symptoms asked of everyone, fever with a stiff neck or a non-fading
rash, a positional headache after a recent epidural or spinal tap, SNOOP4's age 50
beside SNNOOP10's 65 (from the date of birth), and the check-in's red flags since the
last visit. Rules a clinic already has (by code) are left as the owner keeps them.
"""

from django.db import migrations


def forward(apps, schema_editor):
    from sacrum.screening.rules import install_shipped_rules

    Clinic = apps.get_model("clinics", "Clinic")
    Rule = apps.get_model("screening", "Rule")
    for clinic_id in Clinic.objects.values_list("id", flat=True):
        install_shipped_rules(clinic_id, Rule)


class Migration(migrations.Migration):
    dependencies = [("screening", "0005_medical_assessment_of_urgent_findings")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
