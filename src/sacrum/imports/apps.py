from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Import from the practice system a clinic leaves: CSV layouts and FHIR R4."""

    name = "sacrum.imports"
    label = "imports"
    verbose_name = "Imports"
