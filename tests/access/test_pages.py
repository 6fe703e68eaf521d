"""Pages of the access app: the clinic's audit log (owners) and each member's API tokens."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import ApiToken, AuditEntry
from sacrum.access.tokens import create_token
from sacrum.clients.models import Client
from tests.conftest import Persona


def field_errors(response: Any, name: str) -> list[str]:
    html = response.content.decode()
    return re.findall(rf'<p class="error" id="id_{name}_error" role="alert">([^<]*)</p>', html)


def rows(response: Any) -> list[str]:
    """The audit table's body rows, as text."""
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [re.sub(r"<[^>]+>", " ", row) for row in body.split("<tr>")[1:]]


# --- Audit log -------------------------------------------------------------------------


def test_audit_log_is_for_owners_only(
    owner: Persona,
    practitioner: Persona,
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    url = reverse("web:audit_log")
    response = browser_as(owner).get(url)
    assert response.status_code == 200
    assert "Audit log" in response.content.decode()
    assert browser_as(practitioner).get(url).status_code == 403
    assert browser_as(front_desk).get(url).status_code == 403


def test_audit_log_shows_who_did_what_from_where(
    owner: Persona,
    practitioner: Persona,
    a_client: Client,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    audit.record(practitioner.actor, "read", a_client)
    response = browser_as(owner).get(reverse("web:audit_log"))
    row = next(r for r in rows(response) if "Pat Practitioner" in r)
    assert "Read" in row and "client" in row and "127.0.0.1" in row and "web" in row
    assert str(a_client.pk)[:10] in response.content.decode()


def test_audit_log_shows_only_this_clinics_entries(
    owner: Persona, outsider: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    audit.record(outsider.actor, "update", outsider.clinic)
    html = browser_as(owner).get(reverse("web:audit_log")).content.decode()
    assert "Owen Outsider" not in html


def test_audit_times_are_in_the_clinics_time_zone(
    owner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    clinic = owner.clinic
    clinic.time_zone = "Asia/Tokyo"
    clinic.save()
    entry = audit.record(owner.actor, "export", object_type="client")
    local = timezone.localtime(entry.at, dt.timezone(dt.timedelta(hours=9)))
    response = browser_as(owner).get(reverse("web:audit_log"), {"action": "export"})
    assert local.strftime("%Y-%m-%d %H:%M:%S") in response.content.decode()
    assert "Asia/Tokyo" in response.content.decode()


def test_audit_filters_by_action_record_type_and_dates(
    owner: Persona, a_client: Client, browser_as: Callable[[Persona], HttpClient]
) -> None:
    audit.record(owner.actor, "read", a_client)
    audit.record(owner.actor, "export", a_client)
    http = browser_as(owner)
    url = reverse("web:audit_log")

    only_exports = rows(http.get(url, {"action": "export"}))
    assert len(only_exports) == 1 and "Export" in only_exports[0]

    clients = rows(http.get(url, {"object_type": "client"}))
    assert len(clients) == 2 and all("client" in r for r in clients)

    today = timezone.localdate().isoformat()
    assert len(rows(http.get(url, {"since": today, "until": today}))) >= 3
    assert rows(http.get(url, {"until": "2001-01-01"})) == []


def test_bad_audit_filters_are_named_by_their_field(
    owner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    url = reverse("web:audit_log")
    response = http.get(url, {"since": "yesterday"})
    assert response.status_code == 200
    assert field_errors(response, "since") == ["Enter a valid date."]
    response = http.get(url, {"since": "2025-02-01", "until": "2025-01-01"})
    assert field_errors(response, "until") == ["The end date is before the start date."]
    response = http.get(url, {"action": "destroy"})
    assert "destroy is not one of the available choices" in field_errors(response, "action")[0]


def test_audit_log_is_paginated_and_keeps_the_filters(
    owner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    for _ in range(60):
        audit.record(owner.actor, "list", object_type="client")
    http = browser_as(owner)
    first = http.get(reverse("web:audit_log"), {"action": "list"})
    assert len(rows(first)) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert "?action=list&amp;page=2" in first.content.decode()
    second = http.get(reverse("web:audit_log"), {"action": "list", "page": "2"})
    assert len(rows(second)) == 10


# --- API tokens ------------------------------------------------------------------------


def test_every_member_manages_their_own_tokens(
    owner: Persona,
    practitioner: Persona,
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    create_token(actor=owner.actor, name="Owner export")
    for persona in (owner, practitioner, front_desk):
        response = browser_as(persona).get(reverse("web:token_list"))
        assert response.status_code == 200
        html = response.content.decode()
        assert ("Owner export" in html) is (persona is owner)
    assert "API tokens" in browser_as(practitioner).get(reverse("web:account")).content.decode()


def test_a_token_made_on_the_page_is_shown_once_and_opens_the_api(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(practitioner)
    response = http.post(reverse("web:token_create"), {"name": "Practice laptop"})
    assert response.status_code == 200
    html = response.content.decode()
    found = re.search(r'<p class="secret" id="new-token">(sac_[^<]+)</p>', html)
    assert found is not None
    raw = found.group(1)
    assert 'data-copy="new-token"' in html
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(name="Practice laptop")
    assert token.membership_id == practitioner.member.pk
    assert AuditEntry.objects.filter(action="create", object_id=str(token.pk)).exists()

    api = HttpClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    me = api.get("/api/v1/me")
    assert me.status_code == 200
    assert (me.json()["email"], me.json()["role"]) == ("pat@stillwater.test", "practitioner")

    listing = http.get(reverse("web:token_list")).content.decode()
    assert "Practice laptop" in listing and raw not in listing
    assert f"sac_{token.prefix}_" in listing

    assert http.post(reverse("web:token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="delete", object_id=str(token.pk)).exists()
    assert api.get("/api/v1/me").status_code == 401


def test_a_token_needs_a_name(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(practitioner)
    response = http.post(reverse("web:token_create"), {"name": ""})
    assert response.status_code == 200
    assert field_errors(response, "name") == ["This field is required."]
    response = http.post(reverse("web:token_create"), {"name": "x" * 81})
    assert field_errors(response, "name") == [
        "Ensure this value has at most 80 characters (it has 81)."
    ]
    assert not ApiToken.objects.exists()
    assert http.get(reverse("web:token_create")).status_code == 405


def test_nobody_revokes_someone_elses_token(
    owner: Persona,
    practitioner: Persona,
    outsider: Persona,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    token, _raw = create_token(actor=practitioner.actor, name="Pat's script")
    url = reverse("web:token_revoke", args=[token.pk])
    assert browser_as(owner).post(url).status_code == 404
    assert browser_as(outsider).post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
