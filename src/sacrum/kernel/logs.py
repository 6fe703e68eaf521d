"""Structured logging: every line any Sacrum process writes to its log is one JSON object.

Messages are ours; request bodies, records and query strings are never logged, and
capability tokens (links in e-mails, calendar feeds, API tokens) are masked in every
line, wherever they appear: the access log, Django's "Not Found" warnings, tracebacks.
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

MASK = "[token]"

# Route parameters that carry a capability: our links use ``<str:token>``; allauth's
# e-mail confirmation and password reset use ``key`` (and ``uidb36`` beside it).
TOKEN_PARAMETERS = frozenset({"token", "key", "uidb36"})

# Defence in depth for paths no route knows (yet): a personal API token anywhere, and
# any path segment that looks random (URL-safe, 20+ characters, with a digit or a
# capital), which no page name, slug or module path in Sacrum does. UUIDs (public ids)
# are kept: they are all hex and hyphens, too regular to match.
_API_TOKEN = re.compile(r"sac_[0-9a-f]+_[A-Za-z0-9_-]+")
_RANDOM_SEGMENT = re.compile(r"(?<=/)(?=[\w:-]*[A-Z0-9])[\w:-]{20,}(?![\w:-])", re.ASCII)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_QUERY = re.compile(r"(/[^\s?#\"'<>]*)\?[^\s\"'<>]+")
# PostgreSQL's error detail repeats the row or key values, which may be health data.
_DB_DETAIL = re.compile(r"^\s*DETAIL:.*$", re.MULTILINE)

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sacrum_request_id", default=None
)
REQUEST_ID_ENVIRON_KEY = "sacrum.request_id"


def _token_route_patterns() -> list[re.Pattern[str]]:
    """A search pattern for every URL whose route has a token parameter, from the URLconf."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[re.Pattern[str]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            regex = entry.pattern.regex.pattern.lstrip("^").removesuffix(r"\Z").removesuffix("$")
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + regex)
            elif isinstance(entry, URLPattern) and TOKEN_PARAMETERS & set(
                entry.pattern.regex.groupindex
            ):
                found.append(re.compile("/" + prefix + regex))

    walk(get_resolver().url_patterns, "")
    return found


@functools.cache
def _cached_token_routes() -> tuple[re.Pattern[str], ...]:
    return tuple(_token_route_patterns())


def token_routes() -> tuple[re.Pattern[str], ...]:
    """The token routes once Django's URLconf can be loaded; none before (start-up lines)."""
    from django.apps import apps

    if not apps.ready:
        return ()
    try:
        return _cached_token_routes()
    except Exception:  # a broken URLconf must not silence the log line reporting it
        return ()


def _mask_route(match: re.Match[str]) -> str:
    text, start = match.group(0), match.start()
    spans = [match.span(name) for name in TOKEN_PARAMETERS & set(match.re.groupindex)]
    for a, b in sorted((span for span in spans if span[0] >= 0), reverse=True):
        text = text[: a - start] + MASK + text[b - start :]
    return text


def _mask_random(match: re.Match[str]) -> str:
    return match.group(0) if _UUID.fullmatch(match.group(0)) else MASK


def mask(text: str) -> str:
    """The text with capability tokens masked, query strings and database row details cut."""
    text = _QUERY.sub(r"\1?[query]", text)
    for route in token_routes():
        text = route.sub(_mask_route, text)
    text = _API_TOKEN.sub(MASK, text)
    text = _RANDOM_SEGMENT.sub(_mask_random, text)
    return _DB_DETAIL.sub("DETAIL: [values not logged]", text)


# Fields a log call may add (``extra=``); anything else on a record stays out of the line.
EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "bytes", "pid")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, so log shippers can parse without regexes."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        request = getattr(record, "request", None)  # django.request, django.security.*
        if not isinstance(request, HttpRequest):
            request = None
        rid = (
            getattr(record, "request_id", None)
            or (request.META.get(REQUEST_ID_ENVIRON_KEY) if request else None)
            or request_id.get()
        )
        if rid:
            payload["request_id"] = rid
        for field in EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                payload[field] = mask(value) if isinstance(value, str) else value
        if request is not None and "path" not in payload:
            payload["method"] = request.method
            payload["path"] = mask(request.path)
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and "status" not in payload:
            payload["status"] = status
        if record.exc_info:
            payload["exception"] = mask(self.formatException(record.exc_info))
        elif record.stack_info:
            payload["stack"] = mask(self.formatStack(record.stack_info))
        return json.dumps(payload, ensure_ascii=False, default=str)


class RequestIdMiddleware:
    """Give each request an id: in its log lines, the access line and the X-Request-ID header.

    The id is ours (a client cannot choose what goes into the logs); a person reporting
    a problem can quote it from the response header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = uuid.uuid4().hex
        request.META[REQUEST_ID_ENVIRON_KEY] = rid  # the WSGI environ gunicorn's access log sees
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


def log_system_checks(logger: logging.Logger) -> bool:
    """Run Django's system checks and log each finding as a JSON line; False on an error."""
    from django.core import checks

    ok = True
    for message in checks.run_checks():
        if message.is_silenced():
            continue
        level = logging.ERROR if message.is_serious() else logging.WARNING
        ok = ok and not message.is_serious()
        logger.log(level, "system check %s: %s", message.id, message.msg)
    return ok
