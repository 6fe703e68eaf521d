from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "sacrum.screening"
    label = "screening"
    verbose_name = "Safety screening"

    def ready(self) -> None:
        # Imported here, not at the top: these modules load models, which the app
        # registry allows only once every app is loaded (AppConfig.ready).
        from sacrum.clients import badges
        from sacrum.screening import signals  # noqa: F401
        from sacrum.screening.selectors import alert_badges

        badges.register(alert_badges)
