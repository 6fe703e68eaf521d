from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(*, using: str = "default", **_kwargs: Any) -> None:
    """After every migrate, make sure the database cache's table exists (rate limits live there).

    ``sacrum migrate``, ``serve`` and ``demo`` all migrate first, so every database Sacrum
    runs on has the table; it does nothing when it exists or when the cache is Redis.
    """
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class AccessConfig(AppConfig):
    name = "sacrum.access"
    label = "access"
    verbose_name = "Access and audit"

    def ready(self) -> None:
        # Imported here, not at the top: these modules load models, which the app
        # registry allows only once every app is loaded (AppConfig.ready).
        from sacrum.access import signals, wipe  # noqa: F401

        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="sacrum-cache-table")
