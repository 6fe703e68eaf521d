from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "sacrum.portal"
    label = "portal"
    verbose_name = "Client portal"

    def ready(self) -> None:
        """Tell sign-in (below us) how to recognise a client with portal access."""
        # Imported here, not at the top: these modules load models, which the app
        # registry allows only once every app is loaded (AppConfig.ready).
        from sacrum.access.signin import register_portal_check
        from sacrum.portal.selectors import has_portal_access

        register_portal_check(has_portal_access)
