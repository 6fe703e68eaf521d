"""Every page, asked with hostile query values by the clinic's owner, answers without a 500.

Pages are discovered from the URL resolver (as the permission matrix does), so a page added
later is covered at once. The query carries each value under every name a page reads
(dates, ids, searches, filters): far dates, malformed ids, a NUL character, an over-long
string, a lone surrogate (which a URL can only carry as invalid UTF-8), numbers that
overflow. An answer of 4xx (or a page with a field message) is fine; a 500 is not.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client as HttpClient

from tests.access.objects import Stillwater, keep_uploads_in
from tests.access.routes import ROUTE_PARAM, Page, _walk
from tests.conftest import Persona

# Every name a page or its GET form reads (request.GET and the filter forms).
QUERY_NAMES = (
    "date", "week", "month", "day", "start", "end", "since", "until", "from", "to",
    "location", "practitioner", "client", "service", "room", "q", "page", "status",
    "action", "object_type", "view", "show", "who", "by", "format", "letter", "archived",
    "kind", "next", "place", "radius", "condition", "profession", "language", "free",
)  # fmt: skip

HOSTILE_VALUES = {
    "year 9999": "9999-12-31",
    "year 1": "0001-01-01",
    "not a date": "2026-02-30",
    "bad id": "zzz",
    "NUL": "a\x00b",
    "over-long": "x" * 5000,
    "lone surrogate": "%ED%A0%80",
    "huge number": "9223372036854775807999",
    "negative": "-1",
    "datetime with offset": "2026-12-07T10:00:00+05:00",
}


def all_pages() -> list[Page]:
    from django.urls import get_resolver

    pages = []
    for namespaces, route, name, converters in _walk(get_resolver().url_patterns, "", (), {}):
        if not namespaces or namespaces[0] != "web" or "(?P<" in route:
            continue
        kinds = tuple((k, type(c).__name__) for k, c in converters.items())
        pages.append(Page(":".join((*namespaces, name or "<unnamed>")), route, kinds))
    return pages


PAGES = all_pages()


@pytest.fixture
def stillwater(
    owner: Persona, practitioner: Persona, front_desk: Persona, settings: Any, tmp_path: Path
) -> Stillwater:
    keep_uploads_in(settings, tmp_path / "uploads")
    clinic = Stillwater(owner, practitioner, front_desk)
    clinic.object("appointment_id")  # a location, a service, a client: the calendar has content
    return clinic


def page_url(page: Page, stillwater: Stillwater, owner: Persona) -> str:
    values = {}
    for name, converter in page.converters:
        if converter == "UUIDConverter":
            known = stillwater.known(name)
            values[name] = stillwater.id(name, str(page)) if known else str(uuid.uuid4())
        elif "slug" in name:
            values[name] = owner.clinic.slug
        else:
            values[name] = "not-a-real-token-" + "x" * 30
    return "/" + ROUTE_PARAM.sub(lambda m: values[m.group(2)], page.route)


def hostile_query(value: str) -> str:
    encoded = value if value.startswith("%") else quote(value, safe="")
    return "&".join(f"{name}={encoded}" for name in QUERY_NAMES)


def test_discovery_sees_the_pages_with_query_parameters() -> None:
    names = {page.name for page in PAGES}
    assert {"web:calendar", "web:appointment_book", "web:audit_log", "web:client_list"} <= names
    assert len(PAGES) > 60


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_no_page_fails_on_hostile_query_values(
    page: Page, stillwater: Stillwater, owner: Persona
) -> None:
    http = HttpClient(raise_request_exception=False)
    http.force_login(owner.user, backend="django.contrib.auth.backends.ModelBackend")
    url = page_url(page, stillwater, owner)
    failures = []
    for label, value in HOSTILE_VALUES.items():
        response = http.get(f"{url}?{hostile_query(value)}")
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code}")
    assert not failures, f"{page}: {failures}"


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "9999-12-31&view=week"])
def test_the_calendar_says_which_date_it_cannot_show(
    stillwater: Stillwater, owner: Persona, browser_as: Any, date: str
) -> None:
    response = browser_as(owner).get(f"/calendar/?date={date}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose a date between 1900-01-01 and 2200-12-31; showing today." in html


def test_booking_with_a_malformed_location_still_shows_the_form(
    stillwater: Stillwater, owner: Persona, browser_as: Any
) -> None:
    response = browser_as(owner).get("/calendar/book?location=zzz")
    assert response.status_code == 200
    assert 'name="location"' in response.content.decode()
