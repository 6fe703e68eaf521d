"""Shared API plumbing: authentication, the one error shape, pagination."""

from __future__ import annotations

import logging
import math
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from sacrum.access.actor import Actor
from sacrum.access.middleware import bearer_token_member
from sacrum.api.fields import MAX_PAGE, MAX_PAGE_SIZE
from sacrum.clinics.models import Membership

logger = logging.getLogger("sacrum.api")

T = TypeVar("T")


class Conflict(Exception):
    """A write that would break an invariant someone else already holds (HTTP 409)."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sac_…``: a personal token bound to one clinic and role."""

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        # The 2FA middleware has usually looked this token up already (same header).
        member = bearer_token_member(request)
        if member is not None:
            request.member = member  # type: ignore[attr-defined]
            request.user = member.user
            request.api_via = "token"  # type: ignore[attr-defined]
        return member


class MemberSessionAuth(SessionAuth):
    """The browser session (with CSRF on writes), acting in the clinic chosen in the UI."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        if request.user.is_authenticated:
            return getattr(request, "member", None)
        return None


def actor_of(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api")


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _pydantic_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        name = ".".join(loc) or "request"
        fields.setdefault(name, str(err.get("msg", "Invalid value")))
    return fields


def install_error_handlers(api: Any) -> None:
    """Every 4xx/5xx leaves the API as ``{"error": {"code", "message", "fields"}}``."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(NinjaValidationError)
    def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = _pydantic_fields(list(exc.errors))
        return respond(request, 422, error_body("invalid", "Some fields are not valid.", fields))

    @api.exception_handler(DjangoValidationError)
    def on_model_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            fields = {k: " ".join(v) for k, v in exc.message_dict.items()}
            message = "Some fields are not valid."
        else:
            fields, message = {}, " ".join(exc.messages)
        return respond(request, 422, error_body("invalid", message, fields))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found", "Not found."))

    @api.exception_handler(PermissionError)
    def on_forbidden(request: HttpRequest, exc: PermissionError) -> HttpResponse:
        return respond(request, 403, error_body("forbidden", str(exc) or "Not allowed."))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = "Sign in, or send a valid API token as 'Authorization: Bearer …'."
        return respond(request, 401, error_body("unauthenticated", message))

    @api.exception_handler(Conflict)
    def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        return respond(request, 409, error_body("conflict", exc.message, exc.fields))

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {
            400: "bad_request",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            422: "invalid",
            429: "throttled",
        }.get(exc.status_code, "error")
        return respond(request, exc.status_code, error_body(code, str(exc)))

    @api.exception_handler(Exception)
    def on_crash(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception(
            "API error on %s %s",
            request.method,
            request.resolver_match.route if request.resolver_match else "?",
        )
        return respond(
            request, 500, error_body("server_error", "Something went wrong on our side.")
        )


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
    count = qs.count()
    start = (page - 1) * page_size
    return {
        "items": list(qs[start : start + page_size]),
        "count": count,
        "page": page,
        "pages": max(1, math.ceil(count / page_size)),
    }
