from django.apps import AppConfig


class ChartingConfig(AppConfig):
    name = "sacrum.charting"
    label = "charting"
    verbose_name = "Charting"

    def ready(self) -> None:
        # Imported here, not at the top: these modules load models, which the app
        # registry allows only once every app is loaded (AppConfig.ready).
        from sacrum.charting import signals  # noqa: F401
