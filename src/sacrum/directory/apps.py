from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    """The public directory: practitioner pages, search, the open slot feed."""

    name = "sacrum.directory"
    label = "directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Models are loaded only once the registry is ready: the receivers and the mail
        # renderers register here.
        from sacrum.directory import reminders, signals  # noqa: F401
        from sacrum.directory.photos import public_photo_urls
        from sacrum.scheduling.practitioners import register_photo_source

        register_photo_source(public_photo_urls)
