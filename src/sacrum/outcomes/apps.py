from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "sacrum.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"

    def ready(self) -> None:
        """Write the outcomes section of screening's referral letters."""
        # Imported here, not at the top: these modules load models, which the app
        # registry allows only once every app is loaded (AppConfig.ready).
        from sacrum.outcomes.letters import outcomes_text
        from sacrum.screening.letters import contribute

        contribute("outcomes", outcomes_text)
