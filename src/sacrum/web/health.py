"""/healthz: is the database reachable and fully migrated? No auth, no data.

Reachability is asked on every call (``SELECT 1``). Whether migrations are applied is
asked at most once a minute per worker: loading the migration graph cost about 5 ms a
call, which made a load balancer's health checks one of the dearest requests Sacrum
served. Migrations only ever become applied while a worker runs (a deployment restarts
the workers with the new code), so a cached "applied" can only be stale for a manual
roll-back, and the minute bounds that.

``HealthCheckMiddleware`` answers first in the middleware stack: a health check needs no
session, user, clinic or CSP header, and walking that stack cost as much as the check
itself (benchmarks/http_load.py, docs/performance.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache

RECHECK_SECONDS = 60.0

clock: Callable[[], float] = time.monotonic
_applied_seen_at: float | None = None


def _migrations_pending() -> bool:
    global _applied_seen_at
    now = clock()
    if _applied_seen_at is not None and now - _applied_seen_at < RECHECK_SECONDS:
        return False
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _applied_seen_at = None if pending else now
    return pending


def forget() -> None:
    """Ask about migrations again on the next call (tests, and after ``migrate``)."""
    global _applied_seen_at
    _applied_seen_at = None


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return _answer()


def _answer() -> JsonResponse:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        pending = _migrations_pending()
    except Exception:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    if pending:
        return JsonResponse(
            {"status": "error", "database": "ok", "migrations": "pending"}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok", "migrations": "applied"})


class HealthCheckMiddleware:
    """``GET /healthz`` before everything else (only ``RequestIdMiddleware`` comes first)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != "/healthz" or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        answer = _answer()
        add_never_cache_headers(answer)  # as the view's @never_cache
        answer["X-Content-Type-Options"] = "nosniff"
        return answer
