"""What every app's API routes share: the actor, the error schema, pages of results."""

from __future__ import annotations

import math
from typing import Any, Generic, TypeVar

from django.http import HttpRequest
from ninja import Schema
from ninja.errors import HttpError

from sacrum.kernel.actor import StaffActor
from sacrum.kernel.fields import MAX_PAGE, MAX_PAGE_SIZE

T = TypeVar("T")


def actor_of(request: HttpRequest) -> StaffActor:
    """The member behind a staff API call (the API's auth lets only members through)."""
    return StaffActor.from_request(request, via="api")


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, str]


class ErrorOut(Schema):
    error: ErrorDetail


class PageOut(Schema, Generic[T]):
    items: list[T]
    count: int
    page: int
    pages: int


def paginate(qs: Any, page: int, page_size: int) -> dict[str, Any]:
    """Page-number pagination with a total.

    The operations declare ``page`` and ``page_size`` as ``PageNumber``/``PageSize``, so a
    request outside the bounds is a 422 before this runs; the check here keeps a direct
    caller from asking the database for an offset it cannot hold.
    """
    if not 1 <= page <= MAX_PAGE:
        raise HttpError(422, f"page must be between 1 and {MAX_PAGE}")
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    start = (page - 1) * page_size
    items = list(qs[start : start + page_size])
    # A short page that is not empty is the last one, so it tells the total: one question
    # fewer for the common case (a day's appointments, a small clinic's clients).
    count = start + len(items) if 0 < len(items) < page_size else qs.count()
    return {
        "items": items,
        "count": count,
        "page": page,
        "pages": max(1, math.ceil(count / page_size)),
    }
