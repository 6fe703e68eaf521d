from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "sacrum.clients"
    label = "clients"
    verbose_name = "Clients"

    def ready(self) -> None:
        from sacrum.clients import signals  # noqa: F401
