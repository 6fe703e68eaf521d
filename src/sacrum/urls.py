"""URL map: pages, accounts, the API and the health check."""

from django.contrib import admin
from django.urls import include, path

from sacrum.api.api import api
from sacrum.web import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("sacrum.web.urls")),
]
