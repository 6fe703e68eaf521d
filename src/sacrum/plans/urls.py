"""Treatment plans page URLs, included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import path

from sacrum.plans import views

urlpatterns = [
    path("clients/<uuid:client_id>/plans/", views.client_plans, name="client_plans"),
    path("clients/<uuid:client_id>/plans/new", views.plan_new, name="plan_new"),
    path("clients/<uuid:client_id>/plans/<uuid:plan_id>/", views.plan_detail, name="plan_detail"),
    path("clients/<uuid:client_id>/plans/<uuid:plan_id>/edit", views.plan_edit, name="plan_edit"),
    path(
        "clients/<uuid:client_id>/plans/<uuid:plan_id>/series",
        views.plan_series,
        name="plan_series",
    ),
    path(
        "clients/<uuid:client_id>/plans/<uuid:plan_id>/schedule",
        views.plan_schedule,
        name="plan_schedule",
    ),
    path(
        "clients/<uuid:client_id>/plans/<uuid:plan_id>/review",
        views.plan_review,
        name="plan_review",
    ),
    path(
        "clients/<uuid:client_id>/plans/<uuid:plan_id>/discharge",
        views.plan_discharge,
        name="plan_discharge",
    ),
    path(
        "plan-measurements/<uuid:plan_measurement_id>/send",
        views.measurement_send,
        name="plan_measurement_send",
    ),
    path(
        "plan-measurements/<uuid:plan_measurement_id>/skip",
        views.measurement_skip,
        name="plan_measurement_skip",
    ),
    path("clients/<uuid:client_id>/diary-reminder", views.diary_reminder, name="diary_reminder"),
]
