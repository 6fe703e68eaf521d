from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sacrum.api"
    label = "sacrum_api"
    verbose_name = "API"
