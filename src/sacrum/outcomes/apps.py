from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "sacrum.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"
