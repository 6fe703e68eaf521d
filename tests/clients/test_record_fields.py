"""The client record: contacts, physician, language, conditions and goals."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client as HttpClient

from sacrum.clients.models import CLINICAL_FIELDS, Client
from tests.conftest import ApiClient, Persona


def test_contacts_physician_and_clinical_fields_through_the_api(
    practitioner: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    status, body = api(practitioner).patch(
        f"/clients/{a_client.pk}",
        {
            "emergency_contact_name": "Byron L.",
            "emergency_contact_phone": "+44 20 7946 0000",
            "physician_name": "Dr Mary Somerville",
            "physician_practice": "Harbour Surgery",
            "physician_email": "MARY@surgery.example",
            "preferred_language": "English",
            "referral_source": "physician",
        },
    )
    assert status == 200, body
    assert body["physician_email"] == "mary@surgery.example"
    assert body["referral_source"] == "physician"
    assert "conditions" not in body and "goals" not in body

    status, body = api(practitioner).call(
        "PUT",
        f"/clients/{a_client.pk}/clinical",
        {"conditions": ["migraine_headache", "tmj"], "goals": "Sleep through the night"},
    )
    assert status == 200, body
    assert body["conditions"] == ["migraine_headache", "tmj"]
    a_client.refresh_from_db()
    assert a_client.goals == "Sleep through the night"
    assert a_client.condition_labels == ["Migraine or headache", "Jaw (TMJ) problems"]


def test_unknown_condition_is_refused_and_nothing_written(
    practitioner: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    status, body = api(practitioner).call(
        "PUT", f"/clients/{a_client.pk}/clinical", {"conditions": ["lycanthropy"], "goals": "x"}
    )
    assert status == 422
    assert "conditions" in str(body["error"]["fields"])
    a_client.refresh_from_db()
    assert a_client.goals == ""


def test_bad_physician_email_gets_a_field_message(
    owner: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    status, body = api(owner).patch(f"/clients/{a_client.pk}", {"physician_email": "not-mail"})
    assert status == 422
    assert "physician_email" in body["error"]["fields"]
    assert Client.objects.get(pk=a_client.pk).physician_email == ""


def test_front_desk_never_sees_clinical_fields(
    front_desk: Persona,
    api: Callable[[Persona], ApiClient],
    browser_as: Callable[[Persona], HttpClient],
    a_client: Client,
) -> None:
    a_client.goals = "Private goal text"
    a_client.conditions = ["sleep"]
    a_client.save()
    assert {"conditions", "goals", "presenting_concerns"} <= set(CLINICAL_FIELDS)
    status, body = api(front_desk).get(f"/clients/{a_client.pk}")
    assert status == 200 and not set(CLINICAL_FIELDS) & set(body)
    assert api(front_desk).get(f"/clients/{a_client.pk}/clinical")[0] == 403
    page = browser_as(front_desk).get(f"/clients/{a_client.pk}/").content.decode()
    assert "Private goal text" not in page and "Poor sleep" not in page
    form = browser_as(front_desk).get(f"/clients/{a_client.pk}/edit").content.decode()
    assert "goals" not in form and "conditions" not in form


def test_front_desk_cannot_write_clinical_fields_through_the_page(
    front_desk: Persona, browser_as: Callable[[Persona], HttpClient], a_client: Client
) -> None:
    http = browser_as(front_desk)
    response = http.post(
        f"/clients/{a_client.pk}/edit",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "date_of_birth": "1985-12-10",
            "goals": "Injected",
            "conditions": ["sleep"],
        },
    )
    assert response.status_code == 302
    a_client.refresh_from_db()
    assert a_client.goals == "" and a_client.conditions == []


def test_practitioner_edits_conditions_on_the_page(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient], a_client: Client
) -> None:
    http = browser_as(practitioner)
    response = http.post(
        f"/clients/{a_client.pk}/edit",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "date_of_birth": "1985-12-10",
            "conditions": ["neck_pain", "stress_anxiety"],
            "goals": "Turn my head when driving",
            "physician_name": "Dr Somerville",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    a_client.refresh_from_db()
    assert a_client.conditions == ["neck_pain", "stress_anxiety"]
    page = http.get(f"/clients/{a_client.pk}/").content.decode()
    assert "Turn my head when driving" in page and "Stress or anxiety" in page
    assert "Dr Somerville" in page
