"""Client records through the API: create, read, update, search, and bad input."""

from __future__ import annotations

from collections.abc import Callable

from sacrum.access.models import AuditEntry
from sacrum.clients.models import Client
from tests.conftest import ApiClient, Persona


def test_create_read_update_client_and_audit_each_once(
    owner: Persona, api: Callable[[Persona], ApiClient]
) -> None:
    client_api = api(owner)
    before = AuditEntry.objects.count()
    status, body = client_api.post(
        "/clients",
        {"first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1956-12-09"},
    )
    assert status == 201, body
    assert AuditEntry.objects.count() == before + 1
    cid = body["id"]

    status, body = client_api.get(f"/clients/{cid}")
    assert status == 200 and body["last_name"] == "Hopper"
    assert AuditEntry.objects.filter(action="read", object_id=cid).count() == 1

    status, body = client_api.patch(f"/clients/{cid}", {"phone": "+44 117 496 0000"})
    assert status == 200 and body["phone"] == "+44 117 496 0000"
    assert AuditEntry.objects.filter(action="update", object_id=cid).count() == 1


def test_future_date_of_birth_is_refused_and_nothing_is_written(
    owner: Persona, api: Callable[[Persona], ApiClient]
) -> None:
    status, body = api(owner).post(
        "/clients", {"first_name": "Time", "last_name": "Traveller", "date_of_birth": "2100-01-01"}
    )
    assert status == 422
    assert "future" in body["error"]["fields"]["date_of_birth"]
    assert not Client.objects.filter(last_name="Traveller").exists()


def test_over_long_name_gets_a_field_message(
    owner: Persona, api: Callable[[Persona], ApiClient]
) -> None:
    status, body = api(owner).post(
        "/clients", {"first_name": "x" * 101, "last_name": "Long", "date_of_birth": "1990-01-01"}
    )
    assert status == 422
    assert "first_name" in body["error"]["fields"]
    assert not Client.objects.filter(last_name="Long").exists()


def test_search_finds_by_any_word(
    owner: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    status, body = api(owner).get("/clients?q=ada%20love")
    assert status == 200
    assert [c["id"] for c in body["items"]] == [str(a_client.pk)]


def test_front_desk_cannot_read_clinical_fields(
    front_desk: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    status, body = api(front_desk).get(f"/clients/{a_client.pk}/clinical")
    assert status == 403
    status, body = api(front_desk).get(f"/clients/{a_client.pk}")
    assert status == 200 and "presenting_concerns" not in body


def test_other_clinic_gets_404(
    outsider: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    status, body = api(outsider).get(f"/clients/{a_client.pk}")
    assert status == 404
    assert body == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
