"""The API's composition-root plumbing: the one error shape for every failure.

The pieces every app's routes share (pages of results, the error schema) are in
``sacrum.kernel.api``, authentication in ``sacrum.access.api_auth``, domain errors in
``sacrum.kernel.errors``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from sacrum.kernel.api import error_body
from sacrum.kernel.errors import Conflict, Forbidden

logger = logging.getLogger("sacrum.api")


def _pydantic_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in errors:
        loc = [
            str(p)
            for p in err.get("loc", ())
            if p not in ("body", "payload", "query", "path", "form")
        ]
        name = ".".join(loc) or "request"
        fields.setdefault(name, str(err.get("msg", "Invalid value")))
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
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

    @api.exception_handler(Forbidden)
    def on_forbidden(request: HttpRequest, exc: Forbidden) -> HttpResponse:
        return respond(request, 403, error_body("forbidden", exc.message, exc.fields))

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
