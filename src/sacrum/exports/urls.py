"""The owner's export pages, included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import URLPattern, path

from sacrum.exports import views

urlpatterns: list[URLPattern] = [
    path("exports/", views.export_home, name="export_home"),
    path("exports/<uuid:export_id>/download", views.export_link, name="export_link"),
    path("exports/<uuid:export_id>/cancel", views.export_cancel, name="export_cancel"),
    path("exports/download/<str:token>", views.export_download, name="export_download"),
]
