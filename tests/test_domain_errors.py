"""Sacrum's own refusals are 403s; an operating-system error is a logged 500, never a 403.

Python's ``PermissionError`` is an ``OSError`` (say, a file the server may not read). It
used to stand for "your role does not allow this", so such a fault came back as a quiet
403 carrying the server's path. Services now raise the kernel's ``Forbidden``/``Locked``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NoReturn

import pytest
from django.test import Client as HttpClient

from sacrum.clients import selectors
from sacrum.kernel.errors import Forbidden, Locked
from tests.conftest import ApiClient, Persona

SERVER_PATH = "/srv/sacrum/uploads/secret.pdf"


def _os_refuses(*args: Any, **kwargs: Any) -> NoReturn:
    raise PermissionError(13, "Permission denied", SERVER_PATH)


def _role_refuses(*args: Any, **kwargs: Any) -> NoReturn:
    raise Forbidden("Your role in this clinic does not allow this.")


def test_an_os_permission_error_in_the_api_is_a_logged_500_without_the_path(
    practitioner: Persona,
    api: Callable[[Persona], ApiClient],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(selectors, "clients_for", _os_refuses)
    with caplog.at_level(logging.ERROR, logger="sacrum.api"):
        status, body = api(practitioner).get("/clients")
    assert status == 500
    assert body["error"]["code"] == "server_error"
    assert SERVER_PATH not in str(body)
    assert any(record.levelno == logging.ERROR for record in caplog.records)


def test_a_domain_refusal_in_the_api_is_a_403_with_its_words(
    practitioner: Persona, api: Callable[[Persona], ApiClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "clients_for", _role_refuses)
    status, body = api(practitioner).get("/clients")
    assert status == 403
    assert body["error"] == {
        "code": "forbidden",
        "message": "Your role in this clinic does not allow this.",
        "fields": {},
    }


def test_a_locked_record_is_a_kind_of_forbidden() -> None:
    assert issubclass(Locked, Forbidden)
    assert not issubclass(Forbidden, OSError)


def test_pages_answer_403_for_a_refusal_and_500_for_an_os_error(
    practitioner: Persona,
    browser_as: Callable[[Persona], HttpClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    http = browser_as(practitioner)
    http.raise_request_exception = False
    monkeypatch.setattr(selectors, "clients_for", _role_refuses)
    assert http.get("/clients/").status_code == 403
    monkeypatch.setattr(selectors, "clients_for", _os_refuses)
    response = http.get("/clients/")
    assert response.status_code == 500
    assert SERVER_PATH not in response.content.decode()
