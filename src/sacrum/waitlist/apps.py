from django.apps import AppConfig


class WaitlistConfig(AppConfig):
    name = "sacrum.waitlist"
    label = "waitlist"
    verbose_name = "Waitlist"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A cancelled or moved appointment frees time: offer it to the waitlist at once.
        # (Imported here: the receivers' module loads models, allowed only once apps are ready.)
        from sacrum.waitlist import signals  # noqa: F401
