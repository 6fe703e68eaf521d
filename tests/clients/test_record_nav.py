"""The client page leads to every part of the record the viewer may see."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client as HttpClient
from django.urls import reverse

from sacrum.clients.models import Client
from tests.conftest import Persona


def _links(persona: Persona, browser_as: Callable[[Persona], HttpClient], a_client: Client) -> str:
    response = browser_as(persona).get(reverse("web:client_detail", args=[a_client.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_practitioner_reaches_notes_plans_outcomes_portal_and_appointments(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient], a_client: Client
) -> None:
    page = _links(practitioner, browser_as, a_client)
    for name in (
        "client_chart",
        "client_plans",
        "client_outcomes",
        "diary_reminder",
        "portal_access",
        "client_waitlist",
    ):
        assert reverse(f"web:{name}", args=[a_client.pk]) in page, name
    assert 'id="h-client-appointments"' in page


def test_front_desk_sees_no_clinical_parts(
    front_desk: Persona, browser_as: Callable[[Persona], HttpClient], a_client: Client
) -> None:
    page = _links(front_desk, browser_as, a_client)
    for name in ("client_chart", "client_plans", "client_outcomes"):
        assert reverse(f"web:{name}", args=[a_client.pk]) not in page, name
    assert reverse("web:portal_access", args=[a_client.pk]) in page
    assert reverse("web:client_waitlist", args=[a_client.pk]) in page
    assert 'id="h-client-appointments"' in page
