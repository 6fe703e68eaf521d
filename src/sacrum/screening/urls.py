"""Screening pages, mounted in the ``web`` namespace (see web/urls.py)."""

from django.urls import path

from sacrum.screening import letter_views, public_views, views

urlpatterns = [
    path("clients/<uuid:client_id>/intake/new", views.intake_new, name="intake_new"),
    path("clients/<uuid:client_id>/check-in/new", views.check_in_new, name="check_in_new"),
    path("intakes/<uuid:intake_id>/", views.intake_detail, name="intake_detail"),
    path("intakes/<uuid:intake_id>/amend", views.intake_amend, name="intake_amend"),
    path("check-ins/<uuid:check_in_id>/", views.check_in_detail, name="check_in_detail"),
    path("alerts/<uuid:alert_id>/", views.alert_detail, name="alert_detail"),
    path("alerts/<uuid:alert_id>/acknowledge", views.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<uuid:alert_id>/clearance", views.alert_clearance, name="alert_clearance"),
    path("alerts/<uuid:alert_id>/assessment", views.alert_assessment, name="alert_assessment"),
    path(
        "alerts/<uuid:alert_id>/clearance/letter", views.clearance_letter, name="clearance_letter"
    ),
    path("clients/<uuid:client_id>/links", public_views.link_create, name="link_create"),
    path("intake/<str:token>/", public_views.public_form, name="public_form"),
    path("intake/thank-you", public_views.public_done, name="public_done"),
    path("clients/<uuid:client_id>/letters/new", letter_views.letter_new, name="letter_new"),
    path("letters/<uuid:letter_id>/", letter_views.letter_detail, name="letter_detail"),
    path("letters/<uuid:letter_id>/pdf", letter_views.letter_pdf_view, name="letter_pdf"),
    path("letters/<uuid:letter_id>/fhir", letter_views.letter_fhir_view, name="letter_fhir"),
    path("letters/<uuid:letter_id>/finalize", letter_views.letter_finalize, name="letter_finalize"),
    path("screening/rules/", views.rule_list, name="rule_list"),
    path("screening/rules/new", views.rule_create, name="rule_create"),
    path("screening/rules/<uuid:rule_id>/edit", views.rule_edit, name="rule_edit"),
]
