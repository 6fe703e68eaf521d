"""Outcome page URLs, included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import path

from sacrum.outcomes import views

urlpatterns = [
    path("outcomes/", views.outcomes_home, name="outcomes_home"),
    path("outcomes/report/", views.practice_report, name="outcome_report"),
    path("outcomes/instruments/", views.instrument_list, name="instrument_list"),
    path(
        "outcomes/instruments/<uuid:instrument_id>/",
        views.instrument_detail,
        name="instrument_detail",
    ),
    path("clients/<uuid:client_id>/outcomes/", views.client_outcomes, name="client_outcomes"),
    path(
        "clients/<uuid:client_id>/outcomes/<uuid:instrument_id>/new",
        views.response_new,
        name="response_new",
    ),
    path("clients/<uuid:client_id>/diary/new", views.diary_new, name="diary_new"),
    path("clients/<uuid:client_id>/outcomes/send-link", views.link_send, name="outcome_link_send"),
    path("q/<str:token>/", views.questionnaire_link, name="questionnaire_link"),
    path(
        "outcome-alerts/<uuid:outcome_alert_id>/acknowledge",
        views.alert_acknowledge,
        name="outcome_alert_acknowledge",
    ),
]
