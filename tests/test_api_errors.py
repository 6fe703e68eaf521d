"""Bad input on the API: a 4xx in the one error shape, and nothing written.

The first half walks every operation of the OpenAPI schema (so later endpoints are
covered on their own); the second half pins the cases a clinic meets in practice.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client as HttpClient

from sacrum.access.models import ApiToken, AuditEntry
from sacrum.access.tokens import create_token
from sacrum.clients.models import Client
from sacrum.clinics.models import Credential, Invitation, Location, Membership
from tests.access.objects import Stillwater, keep_uploads_in
from tests.access.routes import (
    WRITE_METHODS,
    Example,
    Operation,
    api_operations,
    build_request,
    openapi_schema,
)
from tests.conftest import Persona

OPERATIONS = api_operations()
WRITES = [op for op in OPERATIONS if op.method in WRITE_METHODS]
WRITES_WITH_BODY = [op for op in WRITES if op.body_type]
WRITES_WITH_IDS = [op for op in WRITES if op.id_params]
PAGED = [
    op
    for op in OPERATIONS
    if op.method == "get" and {"page", "page_size"} <= {p["name"] for p in op.spec["parameters"]}
]


@pytest.fixture
def stillwater(
    owner: Persona, practitioner: Persona, front_desk: Persona, settings: Any, tmp_path: Path
) -> Stillwater:
    keep_uploads_in(settings, tmp_path / "uploads")
    return Stillwater(owner, practitioner, front_desk)


def everything() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every Sacrum model (token use times aside): the 'nothing changed' yardstick.

    Read with plain SQL (one statement per table, no ORM compile): it runs twice in each
    of ~1 000 bad-input cases.
    """
    state = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if not model.__module__.startswith("sacrum."):
                continue
            quote = connection.ops.quote_name
            columns = [
                quote(str(f.column))
                for f in model._meta.concrete_fields
                if not (model is ApiToken and f.name == "last_used_at")
            ]
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} "
                f"ORDER BY {quote(str(model._meta.pk.column))}"
            )
            state[model._meta.label] = cursor.fetchall()
    return state


def error_of(response: Any, status: int | tuple[int, ...], where: str = "") -> dict[str, Any]:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (
        f"{where} expected {statuses}, got {response.status_code}: {response.content[:500]!r}"
    )
    assert response["Content-Type"].startswith("application/json"), where
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, body
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error  # type: ignore[no-any-return]


def token_http(persona: Persona) -> HttpClient:
    _token, raw = create_token(actor=persona.actor, name="errors test")
    return HttpClient(HTTP_AUTHORIZATION=f"Bearer {raw}")


def wrong_types(op: Operation, stillwater: Stillwater) -> Any:
    """A body where every field has the wrong type (or, for forms, every required one is missing)."""
    schema = Example(openapi_schema(), stillwater).resolve(op.body_schema or {})
    if op.body_type == "application/json":
        return {name: {"not": ["valid"]} for name in schema.get("properties", {})}
    assert schema.get("required"), f"{op}: a form with no required field; add a bad-input case"
    return {}


# --- Every operation, discovered --------------------------------------------


def test_the_nothing_changed_yardstick_sees_a_write_and_an_edit(
    owner: Persona, a_client: Client
) -> None:
    before = everything()
    assert everything() == before
    a_client.first_name = "Augusta"
    a_client.save(update_fields=["first_name"])
    edited = everything()
    assert edited != before
    Location.objects.create(clinic=owner.clinic, name="Annexe", time_zone="Europe/London")
    assert everything() != edited


def test_discovery_sees_the_write_endpoints() -> None:
    found = {str(op) for op in WRITES}
    assert {
        "POST /api/v1/clients",
        "PATCH /api/v1/clinic",
        "POST /api/v1/locations",
        "POST /api/v1/invitations",
        "POST /api/v1/practitioners/{profile_id}/credentials",
        "DELETE /api/v1/tokens/{token_id}",
    } <= found
    assert "GET /api/v1/clients" in {str(op) for op in PAGED}


@pytest.mark.parametrize("op", WRITES_WITH_BODY, ids=str)
def test_every_write_refuses_a_body_of_wrong_types(
    op: Operation, stillwater: Stillwater, owner: Persona
) -> None:
    request = build_request(op, stillwater, body=wrong_types(op, stillwater))
    http = token_http(owner)
    before = everything()
    error = error_of(request.send(http), 422, str(op))
    assert error["code"] == "invalid"
    assert error["fields"], f"{op}: a 422 should say which fields are wrong"
    assert everything() == before, f"{op} wrote something for a bad request"


@pytest.mark.parametrize("op", WRITES_WITH_IDS, ids=str)
def test_every_write_refuses_a_malformed_id(
    op: Operation, stillwater: Stillwater, owner: Persona
) -> None:
    request = build_request(op, stillwater, ids=dict.fromkeys(op.id_params, "not-a-uuid"))
    http = token_http(owner)
    before = everything()
    error = error_of(request.send(http), (404, 422), str(op))
    assert error["code"] in {"not_found", "invalid"}
    assert everything() == before, f"{op} wrote something for a malformed id"


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_every_operation_needs_credentials(op: Operation, stillwater: Stillwater) -> None:
    request = build_request(op, stillwater)
    before = everything()
    error = error_of(request.send(HttpClient()), 401, str(op))
    assert error["code"] == "unauthenticated"
    assert everything() == before


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_a_revoked_token_is_refused(op: Operation, stillwater: Stillwater, owner: Persona) -> None:
    token, raw = create_token(actor=owner.actor, name="lost laptop")
    token.revoked_at = dt.datetime.now(dt.UTC)
    token.save(update_fields=["revoked_at"])
    request = build_request(op, stillwater)
    before = everything()
    response = request.send(HttpClient(HTTP_AUTHORIZATION=f"Bearer {raw}"))
    assert error_of(response, 401, str(op))["code"] == "unauthenticated"
    assert everything() == before


@pytest.mark.parametrize("op", WRITES, ids=str)
def test_a_session_write_without_csrf_is_refused(
    op: Operation, stillwater: Stillwater, owner: Persona
) -> None:
    request = build_request(op, stillwater)
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(owner.user, backend="django.contrib.auth.backends.ModelBackend")
    before = everything()
    error = error_of(request.send(http), 403, str(op))
    assert error["code"] == "forbidden" and "CSRF" in error["message"]
    assert everything() == before


def test_a_session_write_with_csrf_goes_through(owner: Persona) -> None:
    http = HttpClient(enforce_csrf_checks=True)
    http.get("/accounts/login/")  # a page that sets the CSRF cookie
    http.force_login(owner.user, backend="django.contrib.auth.backends.ModelBackend")
    response = http.post(
        "/api/v1/locations",
        json.dumps({"name": "Canal Street"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=http.cookies["csrftoken"].value,
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("op", PAGED, ids=str)
def test_every_list_is_paginated(op: Operation, stillwater: Stillwater, owner: Persona) -> None:
    request = build_request(op, stillwater)
    sep = "&" if "?" in request.url else "?"
    request.url += f"{sep}page=1&page_size=1"
    response = request.send(token_http(owner))
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"items", "count", "page", "pages"}
    assert body["page"] == 1 and len(body["items"]) <= 1
    assert body["pages"] == max(1, body["count"])

    request.url = request.url.replace("page=1&", "page=0&")
    assert error_of(request.send(token_http(owner)), 422, str(op))["code"] == "invalid"


# --- The cases a clinic meets --------------------------------------------------


@pytest.fixture
def owner_api(owner: Persona) -> HttpClient:
    return token_http(owner)


def send(http: HttpClient, method: str, path: str, body: Any = None) -> Any:
    kwargs = {} if body is None else {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(http, method)(f"/api/v1{path}", **kwargs)


def test_unknown_time_zone_for_a_location(owner_api: HttpClient, stillwater: Stillwater) -> None:
    location = stillwater.object("location_id")
    before = everything()
    response = send(owner_api, "post", "/locations", {"name": "Moon", "time_zone": "Mars/Olympus"})
    assert "not a known time zone" in error_of(response, 422)["fields"]["time_zone"]
    response = send(
        owner_api, "patch", f"/locations/{location.pk}", {"time_zone": "Europe/Atlantis"}
    )
    assert "time_zone" in error_of(response, 422)["fields"]
    response = send(owner_api, "patch", "/clinic", {"time_zone": "UTC+2"})
    assert "time_zone" in error_of(response, 422)["fields"]
    assert everything() == before
    assert Location.objects.get(pk=location.pk).time_zone == "Europe/London"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/clients", {"first_name": "x" * 101, "last_name": "L"}, "first_name"),
        ("patch", "/clients/{client_id}", {"last_name": "x" * 101}, "last_name"),
        ("patch", "/clinic", {"name": "x" * 121}, "name"),
        ("post", "/locations", {"name": "x" * 121}, "name"),
        ("patch", "/locations/{location_id}", {"name": "x" * 121}, "name"),
        ("post", "/rooms", {"location_id": "{location_id}", "name": "x" * 81}, "name"),
        ("patch", "/rooms/{room_id}", {"name": "x" * 81}, "name"),
        ("post", "/tokens", {"name": "x" * 81}, "name"),
        ("patch", "/practitioners/{profile_id}", {"display_name": "x" * 121}, "display_name"),
        ("patch", "/credentials/{credential_id}", {"title": "x" * 151}, "title"),
        ("post", "/invitations", {"email": "x" * 250 + "@example.test", "role": "owner"}, "email"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.startswith("/") else None,
)
def test_over_long_names(
    owner_api: HttpClient,
    stillwater: Stillwater,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    ids = {name: stillwater.id(name) for name in ("client_id", "location_id", "room_id")}
    ids.update(profile_id=stillwater.id("profile_id"), credential_id=stillwater.id("credential_id"))
    path = path.format(**ids)
    body = {k: v.format(**ids) if k.endswith("_id") else v for k, v in body.items()}
    if path == "/clients":
        body["date_of_birth"] = "1990-01-01"
    before = everything()
    error = error_of(send(owner_api, method, path, body), 422, path)
    assert field in error["fields"], error
    assert everything() == before


def test_a_role_that_does_not_exist(owner_api: HttpClient, stillwater: Stillwater) -> None:
    member = stillwater.object("membership_id")
    before = everything()
    response = send(owner_api, "post", "/invitations", {"email": "a@b.test", "role": "wizard"})
    assert "not a role" in error_of(response, 422)["fields"]["role"]
    response = send(owner_api, "patch", f"/memberships/{member.pk}", {"role": "superuser"})
    assert "not a role" in error_of(response, 422)["fields"]["role"]
    assert everything() == before
    assert Membership.objects.get(pk=member.pk).role == "practitioner"
    assert not Invitation.objects.filter(email="a@b.test").exists()


def test_the_last_owner_cannot_step_down(owner_api: HttpClient, owner: Persona) -> None:
    response = send(owner_api, "patch", f"/memberships/{owner.member.pk}", {"role": "front_desk"})
    assert "owner" in error_of(response, 422)["fields"]["role"]
    assert Membership.objects.get(pk=owner.member.pk).role == "owner"


def test_a_credential_cannot_expire_before_it_was_issued(
    owner_api: HttpClient, stillwater: Stillwater
) -> None:
    profile_id = stillwater.id("profile_id")
    credential = stillwater.object("credential_id")
    before = everything()
    response = owner_api.post(
        f"/api/v1/practitioners/{profile_id}/credentials",
        {
            "issuing_body": "Upledger",
            "title": "CST1",
            "issued_on": "2020-05-01",
            "expires_on": "2019-05-01",
        },
    )
    assert "before the issue date" in error_of(response, 422)["fields"]["expires_on"]
    response = send(
        owner_api, "patch", f"/credentials/{credential.pk}", {"expires_on": "2001-01-01"}
    )
    assert "before the issue date" in error_of(response, 422)["fields"]["expires_on"]
    assert everything() == before


def test_credential_evidence_must_be_a_document(
    owner_api: HttpClient, stillwater: Stillwater
) -> None:
    url = f"/api/v1/practitioners/{stillwater.id('profile_id')}/credentials"
    fields = {"issuing_body": "Upledger", "title": "CST2", "issued_on": "2021-05-01"}
    before = everything()
    response = owner_api.post(url, {**fields, "evidence": SimpleUploadedFile("run.exe", b"MZ")})
    assert "PDF" in error_of(response, 422)["fields"]["evidence"]
    assert everything() == before

    pdf = SimpleUploadedFile("certificate.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    response = owner_api.post(url, {**fields, "evidence": pdf})
    assert response.status_code == 201, response.content
    assert response.json()["has_evidence"] is True
    assert Credential.objects.get(pk=response.json()["id"]).evidence


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/clients", {"date_of_birth": "27/03/1984"}, "date_of_birth"),
        ("post", "/clients", {"date_of_birth": "1984-13-01"}, "date_of_birth"),
        ("post", "/clients", {"date_of_birth": "1984-02-30"}, "date_of_birth"),
        ("patch", "/clients/{client_id}", {"date_of_birth": "yesterday"}, "date_of_birth"),
        ("patch", "/credentials/{credential_id}", {"issued_on": "2020/05/01"}, "issued_on"),
        ("patch", "/credentials/{credential_id}", {"expires_on": "next year"}, "expires_on"),
    ],
)
def test_bad_date_formats(
    owner_api: HttpClient,
    stillwater: Stillwater,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    path = path.format(
        client_id=stillwater.id("client_id"), credential_id=stillwater.id("credential_id")
    )
    if path == "/clients":
        body = {"first_name": "Dora", "last_name": "Date", **body}
    before = everything()
    assert field in error_of(send(owner_api, method, path, body), 422)["fields"]
    assert everything() == before


def test_bad_dates_in_a_query(owner_api: HttpClient) -> None:
    error = error_of(send(owner_api, "get", "/audit?since=last-tuesday"), 422)
    assert "since" in error["fields"]


def test_a_body_that_is_not_json(owner_api: HttpClient) -> None:
    before = everything()
    for data, content_type in [("{first_name", "application/json"), ("x=1", "text/plain")]:
        response = owner_api.post("/api/v1/clients", data=data, content_type=content_type)
        assert error_of(response, 400)["code"] == "bad_request"
    assert everything() == before


def test_unauthenticated_and_revoked_token(owner: Persona) -> None:
    assert error_of(HttpClient().get("/api/v1/me"), 401)["code"] == "unauthenticated"
    assert (
        error_of(HttpClient(HTTP_AUTHORIZATION="Bearer sac_made_up").get("/api/v1/me"), 401)["code"]
        == "unauthenticated"
    )

    token, raw = create_token(actor=owner.actor, name="old phone")
    http = HttpClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert http.get("/api/v1/me").status_code == 200
    assert send(http, "delete", f"/tokens/{token.pk}").status_code == 204
    assert error_of(http.get("/api/v1/me"), 401)["code"] == "unauthenticated"
    assert error_of(send(http, "post", "/locations", {"name": "Sneaky"}), 401)
    assert not Location.objects.filter(name="Sneaky").exists()


def test_pagination_counts_and_pages(owner: Persona, owner_api: HttpClient) -> None:
    Client.objects.bulk_create(
        Client(
            clinic=owner.clinic,
            first_name=f"Page{i:03}",
            last_name=f"Turner{i:03}",
            date_of_birth=dt.date(1980, 1, 1),
        )
        for i in range(205)
    )
    seen: list[str] = []
    for page in (1, 2, 3):
        body = send(owner_api, "get", f"/clients?page={page}&page_size=100").json()
        assert (body["count"], body["page"], body["pages"]) == (205, page, 3)
        seen += [c["last_name"] for c in body["items"]]
    assert seen == [f"Turner{i:03}" for i in range(205)]

    beyond = send(owner_api, "get", "/clients?page=9&page_size=100").json()
    assert beyond["items"] == [] and beyond["count"] == 205

    capped = send(owner_api, "get", "/clients?page_size=100000").json()
    assert len(capped["items"]) == 200 and capped["pages"] == 2

    assert error_of(send(owner_api, "get", "/clients?page=0"), 422)["code"] == "invalid"
    assert "page_size" in error_of(send(owner_api, "get", "/clients?page_size=many"), 422)["fields"]


def test_health_check_needs_no_sign_in_and_tells_nothing(a_client: Client) -> None:
    response = HttpClient().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "applied"}
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies
    assert AuditEntry.objects.filter(action="read").count() == 0
    text = response.content.decode().lower()
    for value in ("ada", "lovelace", "stillwater", a_client.email, str(a_client.pk)):
        assert value not in text
