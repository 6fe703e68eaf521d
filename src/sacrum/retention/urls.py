"""Retention pages, included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import path

from sacrum.retention import views

urlpatterns = [
    path("clinic/retention", views.retention_settings, name="retention_settings"),
    path("clients/<uuid:client_id>/erase", views.client_erase, name="client_erase"),
]
