from django.apps import AppConfig


class ChartingConfig(AppConfig):
    name = "sacrum.charting"
    label = "charting"
    verbose_name = "Charting"
