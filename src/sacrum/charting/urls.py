"""Charting page URLs, included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import path

from sacrum.charting import setup_views, views

urlpatterns = [
    path("clinic/charting", setup_views.charting_setup, name="charting_setup"),
    path(
        "clinic/charting/services/<uuid:service_id>",
        setup_views.note_template_edit,
        name="note_template_edit",
    ),
    path(
        "appointments/<uuid:appointment_id>/chart",
        views.chart_appointment,
        name="chart_appointment",
    ),
    path("clients/<uuid:client_id>/chart/", views.client_chart, name="client_chart"),
    path("clients/<uuid:client_id>/notes/new", views.note_new, name="note_new"),
    path("clients/<uuid:client_id>/notes/pdf", views.client_notes_pdf, name="client_notes_pdf"),
    path("notes/<uuid:note_id>/", views.note_detail, name="note_detail"),
    path("notes/<uuid:note_id>/open", views.note_open, name="note_open"),
    path("notes/<uuid:note_id>/save", views.note_save, name="note_save"),
    path("notes/<uuid:note_id>/autosave", views.note_autosave, name="note_autosave"),
    path("notes/<uuid:note_id>/sign", views.note_sign, name="note_sign"),
    path("notes/<uuid:note_id>/discard", views.note_discard, name="note_discard"),
    path("notes/<uuid:note_id>/addenda", views.note_addendum, name="note_addendum"),
    path("notes/<uuid:note_id>/pdf", views.note_pdf, name="note_pdf"),
]
