"""Signed consent never changes, in the database too; every clinic starts with a text.

A consent text with signatures refuses UPDATE, and a signature refuses UPDATE at all
(withdrawal is its own row). PostgreSQL and SQLite both get triggers.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION sacrum_consent_text_signed_is_fixed() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM clients_consentsignature WHERE text_id = OLD.id) THEN
    RAISE EXCEPTION 'A consent text that has been signed never changes';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER clients_consenttext_signed_is_fixed
  BEFORE UPDATE ON clients_consenttext
  FOR EACH ROW EXECUTE FUNCTION sacrum_consent_text_signed_is_fixed();
CREATE OR REPLACE FUNCTION sacrum_consent_signature_is_fixed() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'A consent signature is never changed';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER clients_consentsignature_is_fixed
  BEFORE UPDATE ON clients_consentsignature
  FOR EACH ROW EXECUTE FUNCTION sacrum_consent_signature_is_fixed();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS clients_consenttext_signed_is_fixed ON clients_consenttext;
DROP FUNCTION IF EXISTS sacrum_consent_text_signed_is_fixed();
DROP TRIGGER IF EXISTS clients_consentsignature_is_fixed ON clients_consentsignature;
DROP FUNCTION IF EXISTS sacrum_consent_signature_is_fixed();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER clients_consenttext_signed_is_fixed BEFORE UPDATE ON clients_consenttext
    WHEN EXISTS (SELECT 1 FROM clients_consentsignature WHERE text_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'A consent text that has been signed never changes'); END;""",
    """CREATE TRIGGER clients_consentsignature_is_fixed BEFORE UPDATE ON clients_consentsignature
    BEGIN SELECT RAISE(ABORT, 'A consent signature is never changed'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS clients_consenttext_signed_is_fixed;",
    "DROP TRIGGER IF EXISTS clients_consentsignature_is_fixed;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)
    from sacrum.clients.consent import install_default_text

    Clinic = apps.get_model("clinics", "Clinic")
    ConsentText = apps.get_model("clients", "ConsentText")
    for clinic_id in Clinic.objects.values_list("id", flat=True):
        install_default_text(clinic_id, ConsentText)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("clients", "0003_versioned_consent_and_signatures")]
    operations = [migrations.RunPython(forward, backward)]
