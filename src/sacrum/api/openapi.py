"""The published OpenAPI document tells the truth about errors, in one place.

Every operation can answer with the API's one error shape: 401 without valid credentials,
403 when the role does not allow it (or a session write lacks its CSRF token), 422 when an
input is not valid (every operation reads at least the query string). Operations that name
an object answer 404 for one outside the caller's reach; writes answer 409 when they would
break an invariant someone else holds; a body that is not JSON is a 400. Declaring these
here, rather than on each of the ~180 operations, keeps a new endpoint honest by default.
"""

from __future__ import annotations

from typing import Any

from sacrum.kernel.api import ErrorOut

REF = "#/components/schemas/{model}"
WRITE_METHODS = {"post", "put", "patch", "delete"}
DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    401: "No valid session or API token.",
    403: "Your role in this clinic does not allow this (or a session write lacks CSRF).",
    404: "Not found, or not part of your clinic.",
    409: "Conflicts with the current state (e.g. the time was just taken).",
    422: "Some inputs are not valid; `fields` names each one.",
}


def _mentions_an_object(operation: dict[str, Any]) -> bool:
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        return True
    names = [p.get("name", "") for p in operation.get("parameters", [])]
    return any(name.endswith("_id") for name in names) or "requestBody" in operation


def error_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses ``operation`` can answer with, besides those it declares itself."""
    statuses = [401, 403, 422]
    if _mentions_an_object(operation):
        statuses.append(404)
    if method in WRITE_METHODS:
        statuses.append(409)
    if "application/json" in operation.get("requestBody", {}).get("content", {}):
        statuses.append(400)
    return sorted(statuses)


def declare_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Adds the error responses to every operation of ``schema`` (the document itself)."""
    shape = ErrorOut.model_json_schema(ref_template=REF)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(shape.pop("$defs", {}))
    components.setdefault("ErrorOut", shape)
    content = {"application/json": {"schema": {"$ref": REF.format(model="ErrorOut")}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, operation):
                if status not in responses and str(status) not in responses:
                    responses[status] = {"description": DESCRIPTIONS[status], "content": content}
    return schema
