from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "sacrum.screening"
    label = "screening"
    verbose_name = "Safety screening"

    def ready(self) -> None:
        from sacrum.screening import signals  # noqa: F401
