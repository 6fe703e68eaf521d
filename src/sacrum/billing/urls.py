"""Billing page URLs, included into the ``web`` namespace by ``sacrum.web.urls``."""

from django.urls import path

from sacrum.billing import fee_views, package_views, report_views, superbill_views, views

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/new", views.invoice_new, name="invoice_new"),
    path("invoices/<uuid:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<uuid:invoice_id>/action", views.invoice_action, name="invoice_action"),
    path("invoices/<uuid:invoice_id>/pdf", views.invoice_pdf, name="invoice_pdf"),
    path("payments/<uuid:payment_id>/receipt", views.receipt_pdf, name="receipt_pdf"),
    path(
        "appointments/<uuid:appointment_id>/invoice",
        views.invoice_from_appointment,
        name="invoice_from_appointment",
    ),
    path("clients/<uuid:client_id>/billing/", views.client_billing, name="client_billing"),
    path("billing/settings", views.billing_settings, name="billing_settings"),
    path("billing/reports", report_views.billing_reports, name="billing_reports"),
    path("billing/fees", fee_views.service_fees, name="service_fees"),
    path("fees/<uuid:fee_id>/waive", fee_views.waive_fee, name="waive_fee"),
    path("fees/<uuid:fee_id>/invoice", fee_views.invoice_fee, name="invoice_fee"),
    path("billing/packages", package_views.package_types, name="package_types"),
    path(
        "billing/packages/<uuid:package_type_id>",
        package_views.package_type_edit,
        name="package_type_edit",
    ),
    path(
        "clients/<uuid:client_id>/billing/packages",
        package_views.sell_package,
        name="sell_package",
    ),
    path(
        "clients/<uuid:client_id>/billing/statement",
        superbill_views.statement_page,
        name="client_statement",
    ),
    path(
        "clients/<uuid:client_id>/billing/statement.pdf",
        superbill_views.statement_pdf,
        name="client_statement_pdf",
    ),
    path(
        "clients/<uuid:client_id>/billing/diagnoses",
        superbill_views.add_diagnosis,
        name="add_diagnosis",
    ),
    path(
        "diagnoses/<uuid:diagnosis_id>/remove",
        superbill_views.remove_diagnosis,
        name="remove_diagnosis",
    ),
    path("billing/service-codes", superbill_views.service_codes, name="service_codes"),
]
