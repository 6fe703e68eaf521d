"""Page URLs. Object ids in paths are UUIDs, never sequential numbers."""

from django.urls import path

from sacrum.clients import views as clients
from sacrum.outcomes.urls import urlpatterns as outcome_pages
from sacrum.screening.urls import urlpatterns as screening_pages
from sacrum.web import views

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("clinic/switch", views.switch_clinic, name="switch_clinic"),
    path("account/", views.account, name="account"),
    path("clients/", clients.client_list, name="client_list"),
    path("clients/new", clients.client_create, name="client_create"),
    path("clients/<uuid:client_id>/", clients.client_detail, name="client_detail"),
    path("clients/<uuid:client_id>/edit", clients.client_edit, name="client_edit"),
    *outcome_pages,
    *screening_pages,
]
