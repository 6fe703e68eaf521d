from django.apps import AppConfig


class ChartingConfig(AppConfig):
    name = "sacrum.charting"
    label = "charting"
    verbose_name = "Charting"

    def ready(self) -> None:
        # Receivers connect when the app registry is ready (models are not importable before).
        from sacrum.charting import signals  # noqa: F401
