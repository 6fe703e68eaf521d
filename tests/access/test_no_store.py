"""No cache keeps what Sacrum answers: every route, walked as staff and as a portal client.

Routes are discovered the way the permission matrix discovers them (the OpenAPI schema
and the URL resolver), so a page or endpoint added later is walked without editing this
file. Every response is checked, whatever its status: a 404 page for a capability link
and a JSON error are answers too. A few answers known to carry health data (the client
page, the clinical record, a session note, the letter PDF, the portal record, the intake
and questionnaire link pages) must also have come back with their data, so the walk
cannot pass by only meeting errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import get_resolver
from django.urls.converters import SlugConverter, StringConverter, UUIDConverter

from tests.access.objects import Stillwater, keep_uploads_in
from tests.access.routes import Page, _walk, api_operations, build_request
from tests.emails import emailed_token
from tests.portal.conftest import give_portal, make_person

NOT_A_TOKEN = "not-a-real-token"


def all_pages() -> list[Page]:
    """Every page of ours with the converters we know how to fill (not admin, not allauth's
    regex routes that need a key: those answer the same way without one)."""
    pages = []
    known = (UUIDConverter, StringConverter, SlugConverter)
    for namespaces, route, name, converters in _walk(get_resolver().url_patterns, "", (), {}):
        if namespaces[:1] == ("admin",) or namespaces[:1] == ("api",) or "(?P<" in route:
            continue
        if not all(isinstance(c, known) for c in converters.values()):
            continue
        kinds = tuple((k, type(c).__name__) for k, c in converters.items())
        pages.append(Page(":".join((*namespaces, name or "<unnamed>")), route, kinds))
    return pages


class Walk:
    """Sends requests and remembers every answer that a cache would be allowed to keep."""

    def __init__(self) -> None:
        self.cacheable: list[str] = []
        self.seen: dict[str, int] = {}

    def check(self, label: str, response: Any) -> Any:
        self.seen[label] = response.status_code
        header = response.get("Cache-Control", "")
        directives = {d.strip() for d in header.split(",")}
        if "no-store" not in directives or "public" in directives:
            self.cacheable.append(f"{label} -> {response.status_code}, Cache-Control: {header!r}")
        return response


def page_urls(w: Stillwater, pages: list[Page], walk: Walk, http: HttpClient) -> list[str]:
    """One URL per page: Stillwater's objects, the clinic's slug, and real capability links
    (minted after the objects, since making some objects replaces an earlier link)."""
    ids = {
        name: w.id(name, str(page))
        for page in pages
        for name, conv in page.converters
        if conv == "UUIDConverter"
    }
    tokens = mint_links(w, http, walk)
    # The directory's public pages take a practitioner's slug and a feed file's name; a
    # made-up one gives their 404, which must say no-store like every answer.
    values = {**ids, "clinic_slug": w.owner.clinic.slug, "slug": "nobody-listed", "name": "Slot"}
    return [page.url({**values, "token": tokens.get(page.name, NOT_A_TOKEN)}) for page in pages]


def mint_links(w: Stillwater, http: HttpClient, walk: Walk) -> dict[str, str]:
    """Real capability links, made through the API as staff would, keyed by page name."""
    client_id = w.id("client_id")
    made = {}
    for page, path, body in (
        ("web:public_form", f"/api/v1/clients/{client_id}/intake-links", {"delivery": "tablet"}),
        (
            "web:questionnaire_link",
            f"/api/v1/clients/{client_id}/questionnaire-links",
            {"instrument_id": w.id("instrument_id")},
        ),
        ("web:calendar_feed_ics", "/api/v1/calendar-feeds", {}),
    ):
        response = walk.check(
            f"POST {path}", http.post(path, json.dumps(body), content_type="application/json")
        )
        assert response.status_code == 201, (page, response.content[:300])
        url = response.json()["url"]
        if url is None:  # an e-mailed link: its token exists only in the e-mail
            made[page] = emailed_token("/q/")
            continue
        made[page] = url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".ics")
    return made


@pytest.fixture
def stillwater(
    owner: Any, practitioner: Any, front_desk: Any, settings: Any, tmp_path: Path
) -> Stillwater:
    keep_uploads_in(settings, tmp_path / "uploads")
    return Stillwater(owner, practitioner, front_desk)


# The staff walk in three parts, so parallel test workers share it (each part sets up
# Stillwater afresh): the API's reads, the pages, the API's writes.
STAFF_PARTS = ("api reads", "pages", "api writes")
MUST_HAVE_DATA = {
    "api reads": [
        "practitioner GET /api/v1/clients/{client_id}/clinical",
        "practitioner GET /api/v1/charting/session-notes/{note_id}",
        "practitioner GET /api/v1/referral-letters/{letter_id}/pdf",
    ],
    "pages": [
        "practitioner GET web:client_detail /clients/<uuid:client_id>/",
        "practitioner GET web:public_form /intake/<str:token>/",
        "practitioner GET web:questionnaire_link /q/<str:token>/",
        "practitioner GET web:calendar_feed_ics /calendar-feeds/<str:token>.ics",
        "practitioner GET web:letter_pdf /letters/<uuid:letter_id>/pdf",
        "practitioner note PDF",
    ],
    "api writes": [],
}
AT_LEAST = {"api reads": 70, "pages": 120, "api writes": 70}


@pytest.mark.parametrize("part", STAFF_PARTS)
def test_every_staff_answer_says_no_store(
    part: str, stillwater: Stillwater, owner: Any, practitioner: Any, api: Any, browser_as: Any
) -> None:
    walk = Walk()
    staff_ops = [op for op in api_operations() if not op.path.startswith("/api/v1/portal/")]

    # Reads as the practitioner (who sees clinical data), then writes as the owner (who may
    # do every write); a write answers with data too, such as the record it created.
    if part == "api reads":
        http = api(practitioner).http
        for op in staff_ops:
            if op.method == "get":
                walk.check(f"practitioner {op}", build_request(op, stillwater).send(http))
    elif part == "pages":
        pages = all_pages()
        urls = page_urls(stillwater, pages, walk, api(practitioner).http)
        session = browser_as(practitioner)
        post_only = []
        for page, url in zip(pages, urls, strict=True):
            if walk.check(f"practitioner GET {page}", session.get(url)).status_code == 405:
                post_only.append((page, url))
        note_pdf = session.post(f"/notes/{stillwater.id('note_id')}/pdf", {"audience": "client"})
        walk.check("practitioner note PDF", note_pdf)
        assert note_pdf["Content-Type"] == "application/pdf"
        session = browser_as(owner)
        for page, url in post_only:
            if "logout" not in page.name:
                walk.check(f"owner POST {page}", session.post(url, {}))
    else:
        http = api(owner).http
        # Every object first, then every write: a write may change what a later object's
        # factory relies on (the services a practitioner offers, say).
        writes = [(op, build_request(op, stillwater)) for op in staff_ops if op.method != "get"]
        for op, request in writes:
            walk.check(f"owner {op}", request.send(http))

    assert walk.cacheable == [], "\n".join(walk.cacheable)
    must_have_data = MUST_HAVE_DATA[part]
    assert {label: walk.seen.get(label) for label in must_have_data} == dict.fromkeys(
        must_have_data, 200
    )
    print(part, len(walk.seen))
    assert len(walk.seen) >= AT_LEAST[part], f"the walk found too few routes: {len(walk.seen)}"


def test_every_portal_answer_says_no_store(
    owner: Any, practitioner: Any, settings: Any, tmp_path: Path
) -> None:
    """A client signed in to the portal: their pages, their API, their PDFs and JSON."""
    keep_uploads_in(settings, tmp_path / "uploads")
    ada = make_person(owner, practitioner, "Ada", "Lovelace", "ada@example.test", 0)
    account = give_portal(owner, ada.client)
    http = HttpClient()
    assert account.user is not None
    http.force_login(account.user, backend="django.contrib.auth.backends.ModelBackend")
    walk = Walk()

    for op in api_operations():
        if op.path.startswith("/api/v1/portal/") and op.method == "get":
            walk.check(str(op), http.get(op.path))
    for page in all_pages():
        if page.name.startswith("web:portal_") and not page.converters:
            walk.check(f"GET {page}", http.get(page.url({})))
    walk.check("letter PDF", http.get("/portal/letters/download", {"letter": str(ada.letter.pk)}))

    assert walk.cacheable == [], "\n".join(walk.cacheable)
    assert walk.seen["GET /api/v1/portal/me/record"] == 200
    assert walk.seen["GET web:portal_record_pdf /portal/record.pdf"] == 200
    assert walk.seen["GET web:portal_record_json /portal/record.json"] == 200
    assert walk.seen["letter PDF"] == 200


def test_static_files_are_the_exception(client: Any, db: Any) -> None:
    """Served by WhiteNoise ahead of the rule: a stylesheet holds no one's data."""
    response = client.get("/static/web/sacrum.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
