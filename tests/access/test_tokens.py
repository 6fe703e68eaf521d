"""Personal API tokens end with the membership, and only a signed-in person makes them."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.test import Client as HttpClient
from django.urls import reverse

from sacrum.access.models import ApiToken, AuditEntry
from sacrum.access.tokens import create_token
from tests.conftest import ApiClient, Persona


def bearer(raw: str) -> HttpClient:
    return HttpClient(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_deactivating_a_member_revokes_their_tokens_for_good(
    owner: Persona, practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    _token, raw = create_token(actor=practitioner.actor, name="Pat's laptop")
    assert bearer(raw).get("/api/v1/me").status_code == 200
    http = browser_as(owner)
    url = reverse("web:member_active", args=[practitioner.member.pk])

    assert http.post(url, {"active": "0"}).status_code == 302
    assert bearer(raw).get("/api/v1/me").status_code == 401
    assert http.post(url, {"active": "1"}).status_code == 302

    # Back in the clinic, but the old token stays dead: a new one must be made.
    assert bearer(raw).get("/api/v1/me").status_code == 401
    token = ApiToken.objects.get(name="Pat's laptop")
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="delete", object_id=str(token.pk)).exists()


def test_deactivating_through_the_api_revokes_tokens_too(
    owner: Persona, practitioner: Persona, api: Callable[[Persona], ApiClient]
) -> None:
    _token, raw = create_token(actor=practitioner.actor, name="Pat's phone")
    path = f"/memberships/{practitioner.member.pk}"
    assert api(owner).patch(path, {"active": False})[0] == 200
    assert api(owner).patch(path, {"active": True})[0] == 200
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_a_role_change_keeps_the_members_tokens(
    owner: Persona, practitioner: Persona, api: Callable[[Persona], ApiClient]
) -> None:
    _token, raw = create_token(actor=practitioner.actor, name="Pat's phone")
    assert api(owner).patch(f"/memberships/{practitioner.member.pk}", {"role": "owner"})[0] == 200
    assert bearer(raw).get("/api/v1/me").json()["role"] == "owner"


def test_a_token_cannot_create_tokens(practitioner: Persona) -> None:
    _token, raw = create_token(actor=practitioner.actor, name="Pat's laptop")
    response = bearer(raw).post(
        "/api/v1/tokens", json.dumps({"name": "offspring"}), content_type="application/json"
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "forbidden"
    assert "signed-in person" in error["message"]
    assert not ApiToken.objects.filter(name="offspring").exists()


def test_a_signed_in_person_creates_a_token_through_the_api(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    response = browser_as(practitioner).post(
        "/api/v1/tokens", json.dumps({"name": "script"}), content_type="application/json"
    )
    assert response.status_code == 201
    assert bearer(response.json()["token"]).get("/api/v1/me").status_code == 200
