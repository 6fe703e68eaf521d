"""The JSON formatter masks capability tokens and cuts query strings and row values."""

from __future__ import annotations

import json
import logging
import secrets
import uuid

import pytest
from django.test import Client as HttpClient
from django.test import RequestFactory

from sacrum.kernel.logs import REQUEST_ID_ENVIRON_KEY, JsonFormatter, mask


def test_token_routes_are_masked_whatever_the_token_looks_like() -> None:
    assert mask("Not Found: /intake/abc/") == "Not Found: /intake/[token]/"
    assert mask("/calendar-feeds/x.y.ics") == "/calendar-feeds/[token].ics"
    assert mask("/book/manage/t/move") == "/book/manage/[token]/move"
    assert mask("/accounts/password/reset/key/4-ab-cd/") == (
        "/accounts/password/reset/key/[token]-[token]/"
    )


def test_random_looking_segments_and_api_tokens_are_masked_but_public_ids_kept() -> None:
    raw = secrets.token_urlsafe(32)
    assert raw not in mask(f"/some/future/link/{raw}/")
    assert mask("Bearer sac_1a2b3c4d_Xy-z") == "Bearer [token]"
    public = f"/clients/{uuid.uuid4()}/notes/"
    assert mask(public) == public
    assert mask("/book/craniosacral-therapy-in-north-london/") == (
        "/book/craniosacral-therapy-in-north-london/"
    )


def test_query_strings_and_database_row_values_are_cut() -> None:
    assert mask("Error handling request /calendar/?q=Jane+Doe") == (
        "Error handling request /calendar/?[query]"
    )
    detail = "duplicate key\nDETAIL:  Key (email)=(jane@example.test) already exists."
    assert "jane" not in mask(detail)


def test_a_request_log_line_carries_its_request_id_and_masked_path() -> None:
    request = RequestFactory().get("/intake/abc/")
    request.META[REQUEST_ID_ENVIRON_KEY] = "r1"
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (request.path,), None
    )
    record.request = request
    record.status_code = 404
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "r1"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/intake/[token]/", 404)
    assert "abc" not in json.dumps(line)


@pytest.mark.django_db
def test_every_response_names_its_request_id(client: HttpClient) -> None:
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]
