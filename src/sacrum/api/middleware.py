"""Refuses text no record may hold before any view sees it: NUL and lone surrogates.

PostgreSQL cannot store a NUL character (SQLite stores it silently, so the two databases
would disagree), and a lone UTF-16 surrogate (JSON ``"\\ud800"``) cannot be encoded at all.
Neither has a meaning in a name, a note or a search, so the API answers 422 in its one error
shape, naming each offending field; a page answers 400. Form fields already refuse NUL,
and a URL or form body cannot carry a lone surrogate (invalid UTF-8 is decoded as U+FFFD),
so what is checked here is what gets past those: the path, the query string, and the API's
JSON and form bodies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse

from sacrum.kernel.api import error_body

API_PREFIX = "/api/"
NUL_MESSAGE = "Text may not contain a NUL character."
SURROGATE_MESSAGE = "Text may not contain a lone UTF-16 surrogate."


def unreadable(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None when it can."""
    if "\x00" in text:
        return NUL_MESSAGE
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def _walk_json(value: Any, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        problem = unreadable(value)
        if problem:
            yield ".".join(path) or "request", problem
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = unreadable(key)
            if problem:
                yield ".".join((*path, "<key>")) if path else "<key>", problem
                continue
            yield from _walk_json(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_json(item, (*path, str(index)))


def _walk_form(data: Any) -> Iterator[tuple[str, str]]:
    for key, values in data.lists():
        problem = unreadable(key)
        if problem:
            yield "<key>", problem
            continue
        for value in values:
            problem = unreadable(value) if isinstance(value, str) else None
            if problem:
                yield key, problem


def _problems(request: HttpRequest) -> dict[str, str]:
    found: dict[str, str] = {}
    if "\x00" in request.path:
        found["path"] = NUL_MESSAGE
    for name, problem in _walk_form(request.GET):
        found.setdefault(name, problem)
    if not request.path.startswith(API_PREFIX) or request.method in ("GET", "HEAD", "OPTIONS"):
        return found
    content_type = request.content_type or ""
    if content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            return found  # ninja answers 400 for a body that is not JSON
        for name, problem in _walk_json(body, ()):
            found.setdefault(name, problem)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, problem in _walk_form(request.POST):
            found.setdefault(name, problem)
    return found


class RefuseUnstorableTextMiddleware:
    """422 (API) or 400 (pages) for a NUL or lone surrogate anywhere in the request's text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problems = _problems(request)
        if not problems:
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            body = error_body("invalid", "Some fields are not valid.", problems)
            return JsonResponse(body, status=422)
        raise BadRequest("The address or form contains characters that cannot be stored.")
