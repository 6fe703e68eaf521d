from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "sacrum.access"
    label = "access"
    verbose_name = "Access and audit"

    def ready(self) -> None:
        from sacrum.access import signals, wipe  # noqa: F401
