"""The audit log: one entry per client read or write, never any content, and append-only
everywhere (model, queryset, admin, and on PostgreSQL the database itself)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.admin import site as admin_site
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import Client as HttpClient
from django.test import RequestFactory

from sacrum.access.models import AuditEntry, User
from sacrum.access.tokens import create_token
from sacrum.clients.models import Client
from sacrum.kernel.errors import Locked
from tests.access.signin import give_totp, sign_in_with_totp
from tests.conftest import PASSWORD, Persona

AGENT = "AuditProbe/1.0 (pytest)"
SECRET_CONCERN = "Vertigo when looking up at the ceiling"


def new_entries(since: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(id__gt=since).order_by("id"))


def last_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def client_data(client: Client) -> list[str]:
    """Every piece of a client's record that must never reach the audit log."""
    values = [
        client.first_name,
        client.last_name,
        client.email,
        client.phone,
        client.address,
        client.presenting_concerns,
        client.date_of_birth.isoformat(),
        client.date_of_birth.strftime("%d/%m/%Y"),
    ]
    return [v for v in values if v]


def assert_one_entry(
    since: int, *, persona: Persona, action: str, client: Client, via: str
) -> AuditEntry:
    entries = new_entries(since)
    assert len(entries) == 1, [str(e) for e in entries]
    entry = entries[0]
    assert entry.actor_id == persona.user.pk
    assert entry.clinic_id == persona.clinic.pk
    assert entry.action == action
    assert entry.object_type == "client"
    assert entry.object_id == str(client.pk)
    assert entry.ip == "127.0.0.1"
    assert entry.user_agent == AGENT
    assert entry.via == via
    stored = " | ".join(
        str(getattr(entry, f.attname)) for f in AuditEntry._meta.concrete_fields
    ).lower()
    for value in client_data(client):
        assert value.lower() not in stored, f"client data {value!r} leaked into the audit log"
    return entry


@pytest.fixture
def secret_client(owner: Persona) -> Client:
    return Client.objects.create(
        clinic=owner.clinic,
        first_name="Philippa",
        last_name="Marchbanks",
        date_of_birth=dt.date(1971, 8, 30),
        email="philippa.m@example.test",
        phone="+44 20 7946 0311",
        address="14 Quayside Lane",
        presenting_concerns=SECRET_CONCERN,
    )


def api_as(persona: Persona) -> HttpClient:
    _token, raw = create_token(actor=persona.actor, name="audit test")
    return HttpClient(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_USER_AGENT=AGENT)


def page_as(persona: Persona) -> HttpClient:
    http = HttpClient(HTTP_USER_AGENT=AGENT)
    http.force_login(persona.user, backend="django.contrib.auth.backends.ModelBackend")
    return http


# --- One entry per access, with who/what/where and no content ---------------


def test_api_create_read_update_each_add_one_entry(practitioner: Persona) -> None:
    http = api_as(practitioner)

    since = last_id()
    response = http.post(
        "/api/v1/clients",
        {
            "first_name": "Cornelius",
            "last_name": "Fairweather",
            "date_of_birth": "1966-02-14",
            "email": "cornelius@example.test",
            "phone": "+44 161 496 0101",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    client = Client.objects.get(pk=response.json()["id"])
    assert_one_entry(since, persona=practitioner, action="create", client=client, via="api")

    since = last_id()
    assert http.get(f"/api/v1/clients/{client.pk}").status_code == 200
    assert_one_entry(since, persona=practitioner, action="read", client=client, via="api")

    since = last_id()
    response = http.patch(
        f"/api/v1/clients/{client.pk}",
        {"address": "2 Mill Street"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    client.refresh_from_db()
    assert_one_entry(since, persona=practitioner, action="update", client=client, via="api")


def test_api_clinical_read_and_write_each_add_one_entry(
    practitioner: Persona, secret_client: Client
) -> None:
    http = api_as(practitioner)
    since = last_id()
    response = http.get(f"/api/v1/clients/{secret_client.pk}/clinical")
    assert response.status_code == 200 and response.json()["presenting_concerns"] == SECRET_CONCERN
    assert_one_entry(since, persona=practitioner, action="read", client=secret_client, via="api")

    since = last_id()
    response = http.put(
        f"/api/v1/clients/{secret_client.pk}/clinical",
        {"presenting_concerns": "Dizzy spells, worse in the mornings"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    secret_client.refresh_from_db()
    entry = assert_one_entry(
        since, persona=practitioner, action="update", client=secret_client, via="api"
    )
    assert "dizzy" not in str(entry).lower()


def test_pages_create_read_update_each_add_one_entry(owner: Persona) -> None:
    http = page_as(owner)

    since = last_id()
    response = http.post(
        "/clients/new",
        {
            "first_name": "Henrietta",
            "last_name": "Oakshott",
            "date_of_birth": "1990-07-21",
            "email": "h.oakshott@example.test",
            "presenting_concerns": "Restless sleep",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    client = Client.objects.get(last_name="Oakshott")
    assert_one_entry(since, persona=owner, action="create", client=client, via="web")

    since = last_id()
    response = http.get(f"/clients/{client.pk}/")
    assert response.status_code == 200
    assert_one_entry(since, persona=owner, action="read", client=client, via="web")

    since = last_id()
    response = http.get(f"/clients/{client.pk}/edit")
    assert response.status_code == 200
    assert_one_entry(since, persona=owner, action="read", client=client, via="web")

    since = last_id()
    response = http.post(
        f"/clients/{client.pk}/edit",
        {
            "first_name": "Henrietta",
            "last_name": "Oakshott",
            "date_of_birth": "1990-07-21",
            "email": "h.oakshott@example.test",
            "phone": "+44 117 496 0777",
            "presenting_concerns": "Restless sleep",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    client.refresh_from_db()
    assert client.phone == "+44 117 496 0777"
    assert_one_entry(since, persona=owner, action="update", client=client, via="web")


# --- Append-only --------------------------------------------------------------


@pytest.fixture
def entry(owner: Persona, secret_client: Client) -> AuditEntry:
    return AuditEntry.objects.filter(object_id=str(secret_client.pk)).first() or (
        AuditEntry.objects.create(
            clinic=owner.clinic, actor=owner.user, action="read", object_id=str(secret_client.pk)
        )
    )


def test_an_entry_cannot_be_changed_or_deleted_through_the_model(entry: AuditEntry) -> None:
    entry.action = "delete"
    with pytest.raises(Locked):
        entry.save()
    with pytest.raises(Locked):
        entry.delete()
    entry.refresh_from_db()
    assert entry.action == "read"


def test_the_log_cannot_be_changed_or_deleted_in_bulk(entry: AuditEntry) -> None:
    count = AuditEntry.objects.count()
    with pytest.raises(Locked):
        AuditEntry.objects.filter(pk=entry.pk).update(action="delete")
    with pytest.raises(Locked):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(Locked):
        AuditEntry.objects.all().delete()
    entry.ip = "10.9.8.7"
    with pytest.raises(Locked), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["ip"])
    assert AuditEntry.objects.count() == count
    assert AuditEntry.objects.get(pk=entry.pk).ip is None


def test_deleting_who_or_where_does_not_take_entries_with_it(
    owner: Persona, entry: AuditEntry
) -> None:
    with pytest.raises(ProtectedError):
        User.objects.filter(pk=owner.user.pk).delete()
    with pytest.raises(ProtectedError):
        owner.clinic.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_raw_sql_update_is_refused_by_the_database(entry: AuditEntry) -> None:
    """A trigger on both databases (SQLite and PostgreSQL) refuses UPDATE."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET action = 'delete' WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.action == "read"


def test_raw_sql_delete_is_refused_by_the_database(entry: AuditEntry) -> None:
    """A trigger on both databases refuses DELETE; only emptying everything (flush) passes."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    for sql, params in (
        (f"DELETE FROM {table} WHERE id = %s", [entry.pk]),
        (f"DELETE FROM {table}", []),
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


# --- Admin: read-only --------------------------------------------------------


@pytest.fixture
def superuser(db: Any) -> User:
    return User.objects.create_superuser(email="root@sacrum.test", password=PASSWORD)


def test_admin_may_read_but_not_add_change_or_delete(superuser: User, entry: AuditEntry) -> None:
    model_admin = admin_site._registry[AuditEntry]
    request = RequestFactory().get("/admin/")
    request.user = superuser
    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert "delete_selected" not in model_admin.get_actions(request)

    # The admin needs a sign-in with the second factor; the clock is frozen for the code.
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC), tick=False):
        http = sign_in_with_totp(superuser, give_totp(superuser))
        base = "/admin/access/auditentry/"
        assert http.get(base).status_code == 200
        assert http.get(f"{base}add/").status_code == 403
        assert http.post(f"{base}add/", {"action": "read"}).status_code == 403
        assert http.post(f"{base}{entry.pk}/change/", {"action": "delete"}).status_code == 403
        assert http.get(f"{base}{entry.pk}/delete/").status_code == 403
        assert http.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.action == "read"


# --- Sign-in events -------------------------------------------------------------


def test_login_logout_and_failed_login_are_audited(practitioner: Persona) -> None:
    user = practitioner.user
    http = HttpClient(HTTP_USER_AGENT=AGENT)

    since = last_id()
    response = http.post("/accounts/login/", {"login": user.email, "password": "not-my-password"})
    assert response.status_code == 200  # the form again, with an error
    failed = new_entries(since)
    assert [(e.action, e.actor_id) for e in failed] == [("failed_login", user.pk)]
    assert failed[0].ip == "127.0.0.1" and failed[0].user_agent == AGENT
    assert "not-my-password" not in str(
        [getattr(failed[0], f.attname) for f in AuditEntry._meta.concrete_fields]
    )

    since = last_id()
    response = http.post("/accounts/login/", {"login": "nobody@example.test", "password": "x"})
    assert response.status_code == 200
    unknown = new_entries(since)
    assert [(e.action, e.actor_id, e.object_id) for e in unknown] == [("failed_login", None, "")]

    since = last_id()
    response = http.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:2000]
    login = new_entries(since)
    assert [(e.action, e.actor_id, e.object_id) for e in login] == [
        ("login", user.pk, str(user.pk))
    ]
    assert login[0].ip == "127.0.0.1" and login[0].user_agent == AGENT

    since = last_id()
    response = http.post("/accounts/logout/")
    assert response.status_code == 302
    logout = new_entries(since)
    assert [(e.action, e.actor_id) for e in logout] == [("logout", user.pk)]
