"""URL map: pages, accounts, the API, the health check, and the admin where enabled."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from sacrum.api.api import api
from sacrum.web import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("", include("sacrum.web.urls")),
]
if settings.ADMIN_ENABLED:  # off in production unless SACRUM_ADMIN=true
    urlpatterns.insert(-1, path("admin/", admin.site.urls))
