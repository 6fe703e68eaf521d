"""Input that once crashed the API (found by fuzzing): each is now a 4xx in the one error
shape, with the offending field named, and nothing is written.

Runs on both databases: a NUL character is stored silently by SQLite and refused by
PostgreSQL, and aware times are refused by the SQLite backend only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as HttpClient

from sacrum.clinics.models import Location
from tests.access.objects import Stillwater, keep_uploads_in
from tests.access.routes import Operation, build_request
from tests.conftest import Persona
from tests.test_api_errors import PAGED, error_of, everything, token_http


@pytest.fixture
def stillwater(
    owner: Persona, practitioner: Persona, front_desk: Persona, settings: Any, tmp_path: Path
) -> Stillwater:
    keep_uploads_in(settings, tmp_path / "uploads")
    return Stillwater(owner, practitioner, front_desk)


@pytest.fixture
def owner_api(owner: Persona) -> HttpClient:
    return token_http(owner)


def send_raw(http: HttpClient, method: str, path: str, raw_json: str) -> Any:
    """Sends the JSON text as written, so escapes such as ``\\ud800`` reach the server intact."""
    return getattr(http, method)(f"/api/v1{path}", data=raw_json, content_type="application/json")


def send(http: HttpClient, method: str, path: str, body: Any) -> Any:
    return send_raw(http, method, path, json.dumps(body))


HUGE = "9223372036854775807"


@pytest.mark.parametrize("op", PAGED, ids=str)
def test_a_page_number_beyond_reason_is_refused(
    op: Operation, stillwater: Stillwater, owner: Persona
) -> None:
    request = build_request(op, stillwater)
    sep = "&" if "?" in request.url else "?"
    url = request.url
    for query in (f"page={HUGE}", "page=-1", "page_size=0"):
        request.url = f"{url}{sep}{query}"
        error = error_of(request.send(token_http(owner)), 422, f"{op} {query}")
        assert set(error["fields"]) & {"page", "page_size"}, error
    request.url = f"{url}{sep}page_size={HUGE}"  # more than 200 gives 200
    response = request.send(token_http(owner))
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/clients/{client_id}", "pronouns"),
        ("/clients/{client_id}", "first_name"),
        ("/locations/{location_id}", "postal_code"),
        ("/locations/{location_id}", "address_line"),
        ("/practitioners/{profile_id}", "languages"),
        ("/clinic", "phone"),
        ("/plans/{plan_id}", "conditions"),
        ("/diary-entries/{diary_entry_id}", "medication"),
    ],
)
def test_an_explicit_null_for_a_text_field_is_refused(
    owner_api: HttpClient, stillwater: Stillwater, path: str, field: str
) -> None:
    names = [name[1:-1] for name in path.split("/") if name.startswith("{")]
    ids = {name: stillwater.id(name) for name in names}
    before = everything()
    error = error_of(send(owner_api, "patch", path.format(**ids), {field: None}), 422, path)
    assert field in error["fields"], error
    assert everything() == before


@pytest.mark.parametrize("time", ["20:00:00Z", "19:00:00+05:00", "08:00-03:00"])
def test_a_local_time_with_a_utc_offset_is_refused(
    owner_api: HttpClient, stillwater: Stillwater, time: str
) -> None:
    client_id = stillwater.id("client_id")
    hours = {
        "practitioner_id": str(stillwater.practitioner.member.pk),
        "location_id": stillwater.id("location_id"),
        "weekday": 2,
        "start_time": "09:00",
        "end_time": time,
    }
    before = everything()
    reminder = send(owner_api, "put", f"/clients/{client_id}/diary-reminder", {"local_time": time})
    assert "local_time" in error_of(reminder, 422)["fields"]
    assert "end_time" in error_of(send(owner_api, "post", "/weekly-hours", hours), 422)["fields"]
    assert everything() == before


@pytest.mark.parametrize(
    "raw",
    [
        '{"first_name": "\\ud800", "last_name": "Lone", "date_of_birth": "1990-01-01"}',
        '{"first_name": "Dora", "last_name": "A\\u0000B", "date_of_birth": "1990-01-01"}',
        '{"first_name": "Dora", "last_name": "Lone", "date_of_birth": "1990-01-01", "\\udfff": 1}',
    ],
    ids=["lone surrogate", "NUL", "lone surrogate in a key"],
)
def test_unreadable_characters_in_a_json_string_are_refused(
    owner_api: HttpClient, stillwater: Stillwater, raw: str
) -> None:
    before = everything()
    error = error_of(send_raw(owner_api, "post", "/clients", raw), 422)
    assert error["fields"], error
    assert everything() == before


def test_unreadable_characters_in_a_nested_json_string_name_the_field(
    owner_api: HttpClient, stillwater: Stillwater
) -> None:
    client_id = stillwater.id("client_id")
    raw = '{"presenting_concerns": "ok", "conditions": [], "goals": "calm\\u0000"}'
    error = error_of(send_raw(owner_api, "put", f"/clients/{client_id}/clinical", raw), 422)
    assert "goals" in error["fields"]


@pytest.mark.parametrize("query", ["q=a%00b", "q%00=a", "archived=tr%00ue"])
def test_a_nul_character_in_a_query_is_refused(owner_api: HttpClient, query: str) -> None:
    error = error_of(owner_api.get(f"/api/v1/clients?{query}"), 422, query)
    assert error["fields"], error


@pytest.mark.parametrize("year", ["0001", "1899", "2201", "9999"])
def test_dates_far_from_today_are_refused(
    owner_api: HttpClient, stillwater: Stillwater, year: str
) -> None:
    ids = {name: stillwater.id(name) for name in ("client_id", "service_id", "location_id")}
    ids["practitioner_id"] = str(stillwater.practitioner.member.pk)
    before = everything()
    appointment = {**ids, "start": f"{year}-01-01T10:00:00Z"}
    error = error_of(send(owner_api, "post", "/appointments", appointment), 422)
    assert "start" in error["fields"]
    slots = (
        f"/api/v1/slots?service_id={ids['service_id']}&location_id={ids['location_id']}"
        f"&date_from={year}-12-30&date_to={year}-12-31"
    )
    assert "date_from" in error_of(owner_api.get(slots), 422)["fields"]
    listing = f"/api/v1/appointments?date_from={year}-12-31T23:00:00Z"
    assert "date_from" in error_of(owner_api.get(listing), 422)["fields"]
    closure = {"first_day": f"{year}-01-01", "last_day": f"{year}-01-02"}
    assert "first_day" in error_of(send(owner_api, "post", "/closures", closure), 422)["fields"]
    assert everything() == before


def test_a_closure_cannot_span_centuries(owner_api: HttpClient, stillwater: Stillwater) -> None:
    stillwater.object("location_id")
    before = everything()
    closure = {"first_day": "2030-01-01", "last_day": "2199-12-31"}
    error = error_of(send(owner_api, "post", "/closures", closure), 422)
    assert "last_day" in error["fields"]
    assert everything() == before
    year = {"first_day": "2030-01-01", "last_day": "2030-12-31"}
    assert send(owner_api, "post", "/closures", year).status_code == 201


def test_a_sound_patch_still_goes_through(owner_api: HttpClient, stillwater: Stillwater) -> None:
    location = stillwater.object("location_id")
    response = send(owner_api, "patch", f"/locations/{location.pk}", {"postal_code": ""})
    assert response.status_code == 200, response.content
    assert Location.objects.get(pk=location.pk).postal_code == ""
