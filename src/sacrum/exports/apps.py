from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "sacrum.exports"
    label = "exports"
    verbose_name = "Data export"
