"""The admin app, installed with Sacrum's site (which needs the second factor) as its default."""

from django.contrib.admin.apps import AdminConfig


class SacrumAdminConfig(AdminConfig):
    default_site = "sacrum.access.admin_site.SacrumAdminSite"
