"""/healthz says whether the database answers and is migrated, without asking the migration
graph on every call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient

from sacrum.web import health


class Clock:
    """The health check's own monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fake = Clock()
    monkeypatch.setattr(health, "clock", fake)
    health.forget()
    yield fake
    health.forget()


def _count_queries(client: HttpClient) -> tuple[Any, int]:
    seen: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        answer = client.get("/healthz")
    return answer, len(seen)


@pytest.mark.django_db
def test_migrated_database_is_healthy_and_later_calls_ask_one_question(
    client: HttpClient, clock: Clock
) -> None:
    first, first_queries = _count_queries(client)
    assert first.status_code == 200
    assert first.json() == {"status": "ok", "database": "ok", "migrations": "applied"}
    second, second_queries = _count_queries(client)
    assert second.status_code == 200
    assert second_queries == 1 < first_queries  # SELECT 1 only; the graph was asked once


@pytest.mark.django_db
def test_a_missing_migration_is_reported_within_the_recheck_interval(
    client: HttpClient, clock: Clock
) -> None:
    assert client.get("/healthz").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'scheduling' AND name = "
            "(SELECT MAX(name) FROM django_migrations WHERE app = 'scheduling')"
        )
    assert client.get("/healthz").status_code == 200  # still the remembered answer
    clock.now += health.RECHECK_SECONDS
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "error", "database": "ok", "migrations": "pending"}
    # Not remembered while pending: the next call asks again.
    assert client.get("/healthz").status_code == 503


@pytest.mark.django_db
def test_an_unreachable_database_is_unhealthy_at_once(
    client: HttpClient, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/healthz").status_code == 200

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "error", "database": "unreachable"}


@pytest.mark.django_db
def test_the_check_answers_before_sessions_and_page_headers(
    client: HttpClient, clock: Clock
) -> None:
    """A load balancer polls this often: it gets a short answer, never a session or a page's
    policy headers, and still nothing cached on the way."""
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert "X-Request-ID" in answer  # still traceable in the server's log
    assert "Content-Security-Policy" not in answer
    assert "sessionid" not in answer.cookies
