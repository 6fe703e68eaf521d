"""Client portal page URLs, included into the ``web`` namespace by ``sacrum.web.urls``.

The client's own pages carry no ids in their paths: the signed-in client is the
subject of every page. The one object a client picks (a letter) is named in the query
string and looked up under their own record.
"""

from django.urls import URLPattern, path

from sacrum.portal import views

urlpatterns: list[URLPattern] = [
    path("portal/", views.home, name="portal_home"),
    path("portal/switch", views.switch, name="portal_switch"),
    path("portal/appointments", views.appointments, name="portal_appointments"),
    path("portal/appointments/change", views.manage_visit, name="portal_manage_visit"),
    path("portal/consents", views.consents, name="portal_consents"),
    path("portal/health-history", views.intake, name="portal_intake"),
    path("portal/letters", views.letters, name="portal_letters"),
    path("portal/letters/download", views.letter_pdf, name="portal_letter_pdf"),
    path("portal/progress", views.outcomes, name="portal_outcomes"),
    path("portal/diary", views.diary, name="portal_diary"),
    path("portal/record", views.record, name="portal_record"),
    path("portal/record.pdf", views.record_pdf, name="portal_record_pdf"),
    path("portal/record.json", views.record_json, name="portal_record_json"),
    path("portal/record.fhir.json", views.record_fhir, name="portal_record_fhir"),
    path("portal/invoices", views.invoices, name="portal_invoices"),
    path("portal/invoices/download", views.invoice_pdf, name="portal_invoice_pdf"),
    path("portal/receipts/download", views.receipt_pdf, name="portal_receipt_pdf"),
    path("portal/join/resume/", views.join_resume, name="portal_join_resume"),
    path("portal/join/<str:token>/", views.join, name="portal_join"),
    # Staff side, from the client's record.
    path("portal/clients/<uuid:client_id>/access", views.access, name="portal_access"),
    path("portal/clients/<uuid:client_id>/access/revoke", views.revoke, name="portal_revoke"),
    path(
        "portal/clients/<uuid:client_id>/record-copy", views.record_copy, name="portal_record_copy"
    ),
]
