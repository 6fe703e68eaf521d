"""Import pages, included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import path

from sacrum.imports import views

urlpatterns = [
    path("clinic/import/", views.import_home, name="import_home"),
    path("clinic/import/<uuid:upload_id>/", views.import_upload, name="import_upload"),
    path("clinic/import/<uuid:upload_id>/import", views.import_commit, name="import_commit"),
    path("clinic/import/<uuid:upload_id>/discard", views.import_discard, name="import_discard"),
    path("clinic/import/runs/<uuid:run_id>/", views.import_run, name="import_run"),
]
