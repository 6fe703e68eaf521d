from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "sacrum.clients"
    label = "clients"
    verbose_name = "Clients"

    def ready(self) -> None:
        # Imported here, not at the top: these modules load models, which the app
        # registry allows only once every app is loaded (AppConfig.ready).
        from sacrum.clients import signals  # noqa: F401
