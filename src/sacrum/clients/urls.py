"""Consent pages, mounted in the ``web`` namespace (see web/urls.py)."""

from django.urls import path

from sacrum.clients import consent_views

urlpatterns = [
    path("consent/", consent_views.consent_text, name="consent_text"),
    path(
        "consent/versions/<uuid:consent_text_id>/",
        consent_views.consent_version,
        name="consent_version",
    ),
    path("clients/<uuid:client_id>/consent/sign", consent_views.consent_sign, name="consent_sign"),
    path(
        "consent-signatures/<uuid:signature_id>/",
        consent_views.signature_detail,
        name="signature_detail",
    ),
    path(
        "consent-signatures/<uuid:signature_id>/withdraw",
        consent_views.signature_withdraw,
        name="signature_withdraw",
    ),
]
