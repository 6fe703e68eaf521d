from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "sacrum.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Write the sessions section of screening's referral letters."""
        # Imported here, not at the top: these modules load models, which the app
        # registry allows only once every app is loaded (AppConfig.ready).
        from sacrum.scheduling.letters import sessions_text
        from sacrum.screening.letters import contribute

        contribute("sessions", sessions_text)
