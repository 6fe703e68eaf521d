"""Backup page URLs, included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import path

from sacrum.backups import views

urlpatterns = [
    path("clinic/backups", views.backup_status, name="backup_status"),
]
