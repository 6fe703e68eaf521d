from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "sacrum.clients"
    label = "clients"
    verbose_name = "Clients"
