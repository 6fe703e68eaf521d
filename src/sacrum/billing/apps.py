from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "sacrum.billing"
    label = "billing"
    verbose_name = "Billing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Lower apps ask through their registries; billing answers (models are loaded now).
        from sacrum.billing import signals  # noqa: F401
        from sacrum.billing.guards import install

        install()
