from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sacrum.web"
    label = "web"
    verbose_name = "Web interface"
