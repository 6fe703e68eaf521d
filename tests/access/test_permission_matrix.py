"""Every object route, found on its own, is a 404 for another clinic.

API operations come from the OpenAPI schema, pages from the URL resolver (``web``
namespace, UUID converters), so a capability added later is covered without editing
this file. Ids are filled from ``tests/access/objects.py``; a route using an id name
with no factory there fails, telling the developer to add one. Operations marked
``x-sacrum-clinical`` are refused to the front desk of the same clinic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import models

from sacrum.access.models import AuditEntry
from tests.access.objects import Stillwater, keep_uploads_in
from tests.access.routes import (
    Operation,
    Page,
    api_operations,
    build_request,
    object_pages,
)

API_OPERATIONS = api_operations()
OBJECT_OPERATIONS = [op for op in API_OPERATIONS if op.id_params]
CLINICAL_OPERATIONS = [op for op in API_OPERATIONS if op.clinical]
OBJECT_PAGES = object_pages("web")


@pytest.fixture
def stillwater(
    owner: Any, practitioner: Any, front_desk: Any, settings: Any, tmp_path: Path
) -> Stillwater:
    keep_uploads_in(settings, tmp_path / "uploads")
    return Stillwater(owner, practitioner, front_desk)


def assert_error(response: Any, statuses: tuple[int, ...], where: str) -> dict[str, Any]:
    assert response.status_code in statuses, (
        f"{where}: expected {' or '.join(map(str, statuses))}, got {response.status_code}: "
        f"{response.content[:400]!r}"
    )
    body = response.json()
    assert set(body) == {"error"}, f"{where}: {body}"
    assert set(body["error"]) == {"code", "message", "fields"}, f"{where}: {body}"
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def rows(objects: dict[str, models.Model]) -> dict[str, dict[str, Any]]:
    """The stored state of each object (None when it is gone)."""
    return {
        name: type(obj)._default_manager.filter(pk=obj.pk).values().first()  # type: ignore[misc]
        for name, obj in objects.items()
    }


def test_discovery_sees_the_known_routes() -> None:
    """Guards the discovery itself: if it found nothing, every test below would pass vacuously."""
    found = {str(op) for op in OBJECT_OPERATIONS}
    assert {
        "GET /api/v1/clients/{client_id}",
        "PATCH /api/v1/clients/{client_id}",
        "DELETE /api/v1/rooms/{room_id}",
        "PATCH /api/v1/memberships/{membership_id}",
        "POST /api/v1/practitioners/{profile_id}/credentials",
        "DELETE /api/v1/tokens/{token_id}",
    } <= found
    assert "PUT /api/v1/clients/{client_id}/clinical" in {str(op) for op in CLINICAL_OPERATIONS}
    assert {"web:client_detail", "web:client_edit"} <= {page.name for page in OBJECT_PAGES}


def test_an_id_name_without_a_factory_fails_with_advice(stillwater: Stillwater) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"Add one to FACTORIES in tests/access"):
        stillwater.id("unicorn_id", "GET /api/v1/unicorns/{unicorn_id}")


@pytest.mark.parametrize("op", OBJECT_OPERATIONS, ids=str)
def test_another_clinic_gets_404_from_every_object_endpoint(
    op: Operation, stillwater: Stillwater, outsider: Any, api: Any
) -> None:
    request = build_request(op, stillwater)
    http = api(outsider).http
    made = stillwater.made()
    before = rows(made)
    audit_before = AuditEntry.objects.count()

    response = request.send(http)

    error = assert_error(response, (404,), f"{op} as another clinic's owner")
    assert error == {"code": "not_found", "message": "Not found.", "fields": {}}
    assert rows(made) == before, f"{op} changed Stillwater's data for another clinic"
    assert AuditEntry.objects.count() == audit_before, f"{op} audited another clinic's access"

    # Control: the same request from inside Stillwater finds the object, so the 404 above
    # came from scoping and not from a wrong URL or an unusable body.
    controls = [stillwater.owner, stillwater.practitioner]
    statuses = [build_request(op, stillwater).send(api(p).http).status_code for p in controls]
    assert any(s not in (404, 422) for s in statuses), (
        f"{op}: Stillwater's own staff got {statuses}; the matrix request is not a valid one"
    )


@pytest.mark.parametrize("op", CLINICAL_OPERATIONS, ids=str)
def test_front_desk_is_refused_every_clinical_operation(
    op: Operation, stillwater: Stillwater, front_desk: Any, api: Any
) -> None:
    request = build_request(op, stillwater)
    http = api(front_desk).http
    made = stillwater.made()
    before = rows(made)
    audit_before = AuditEntry.objects.count()

    response = request.send(http)

    assert_error(response, (403, 404), f"{op} as the front desk")
    assert rows(made) == before, f"{op} let the front desk change clinical data"
    assert AuditEntry.objects.count() == audit_before, f"{op} audited a front-desk access"


@pytest.mark.parametrize("page", OBJECT_PAGES, ids=str)
def test_another_clinic_gets_404_from_every_object_page(
    page: Page, stillwater: Stillwater, outsider: Any, browser_as: Any
) -> None:
    for name, converter in page.converters:
        if converter != "UUIDConverter":
            pytest.fail(
                f"{page}: the matrix only knows UUID path parts, not <{converter} {name}>. "
                "Teach tests/access/test_permission_matrix.py how to fill it.",
                pytrace=False,
            )
    url = page.url({name: stillwater.id(name, str(page)) for name in page.kwargs})
    made = stillwater.made()
    before = rows(made)

    http = browser_as(outsider)
    response = http.get(url)
    if response.status_code == 405:  # a POST-only action
        response = http.post(url, {})
    assert response.status_code == 404, (
        f"{page} as another clinic's owner: expected 404, got {response.status_code}"
    )
    assert rows(made) == before, f"{page} changed Stillwater's data for another clinic"

    # Control: the URL is real, and reachable from inside Stillwater.
    statuses = []
    for persona in (stillwater.owner, stillwater.practitioner, stillwater.front_desk):
        inside = browser_as(persona)
        status = inside.get(url).status_code
        statuses.append(status if status != 405 else inside.post(url, {}).status_code)
    assert any(s != 404 for s in statuses), (
        f"{page}: every Stillwater persona got 404 too ({url}); the URL is not a real one"
    )
