"""The portal's read API: the signed-in client's own data only; staff and tokens are refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from sacrum.portal.models import PortalAccount
from tests.conftest import Persona
from tests.portal.conftest import Person

pytestmark = pytest.mark.django_db


def test_the_client_reads_their_own(
    as_ada: HttpClient, ada: Person, bea: Person, bea_account: PortalAccount
) -> None:
    me = as_ada.get("/api/v1/portal/me")
    assert me.status_code == 200 and me.json()["first_name"] == "Ada"
    visits = as_ada.get("/api/v1/portal/me/appointments").json()
    assert [v["id"] for v in visits["upcoming"]] == [str(ada.appointment_ahead.pk)]
    assert [v["id"] for v in visits["past"]] == [str(ada.appointment_past.pk)]
    consents = as_ada.get("/api/v1/portal/me/consents").json()
    assert len(consents) == 1 and consents[0]["typed_name"] == "Ada Lovelace"
    record = as_ada.get("/api/v1/portal/me/record").json()
    assert record["client"]["first_name"] == "Ada" and "Bea" not in str(record)


def test_staff_and_tokens_are_refused(owner: Persona, browser_as: Any, api: Any) -> None:
    for path in ("/portal/me", "/portal/me/appointments", "/portal/me/record"):
        status, body = api(owner).get(path)
        assert status == 403 and body["error"]["code"] == "forbidden"
        response = browser_as(owner).get(f"/api/v1{path}")
        assert response.status_code == 403
        anonymous = HttpClient().get(f"/api/v1{path}")
        assert anonymous.status_code == 401
