from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "sacrum.portal"
    label = "portal"
    verbose_name = "Client portal"
