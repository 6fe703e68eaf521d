from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "sacrum.clinics"
    label = "clinics"
    verbose_name = "Clinics and people"
