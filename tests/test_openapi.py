"""The published OpenAPI document describes what the API really does.

django-ninja keeps one schema per name, so two models with one name would make an
operation publish another operation's shape; and a status the document does not list
breaks every generated client that meets it.
"""

from __future__ import annotations

import collections
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from sacrum.api.api import api
from tests.access.routes import api_operations, openapi_schema


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def every_model() -> set[type[BaseModel]]:
    """Every pydantic model any operation of any router reads or answers with, nested ones too."""
    found: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = []
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                todo += list(operation.models)
                todo += [m for m in operation.response_models.values() if isinstance(m, type)]
    while todo:
        model = todo.pop()
        if model in found:
            continue
        found.add(model)
        for field in model.model_fields.values():
            todo += list(_models_in(field.annotation))
    return found


def test_every_schema_name_is_unique() -> None:
    by_name: dict[str, set[str]] = collections.defaultdict(set)
    for model in every_model():
        if model.__module__.startswith("ninja.") or model.__name__ == "NinjaResponseSchema":
            continue  # ninja's own wrappers for parameters and responses
        by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    twice = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert not twice, f"schema names defined more than once (one would hide the other): {twice}"
    assert len(by_name) > 100


def test_the_fixed_operations_publish_their_own_shapes() -> None:
    schema = openapi_schema()
    paths, components = schema["paths"], schema["components"]["schemas"]

    def shape(path: str, method: str = "get", status: str | int = 200) -> dict[str, Any]:
        responses = paths[path][method]["responses"]
        node = (responses.get(status) or responses[str(status)])["content"]["application/json"]
        node = node["schema"]
        if node.get("type") == "array":
            node = node["items"]
        return components[node["$ref"].rsplit("/", 1)[-1]]  # type: ignore[no-any-return]

    assert "membership_id" in shape("/api/v1/me")["properties"]
    assert "clinic_email" in shape("/api/v1/portal/me")["properties"]
    assert "cancellation_window_hours" in shape("/api/v1/scheduling-policy")["properties"]
    assert "unsigned_alert_hours" in shape("/api/v1/charting/policy")["properties"]
    assert "every_n_sessions" not in shape("/api/v1/clients/{client_id}/outcomes")["properties"]
    assert "every_n_sessions" in shape("/api/v1/plans/{plan_id}/schedule", "put")["properties"]


def test_every_operation_declares_its_error_answers() -> None:
    operations = api_operations()
    assert len(operations) > 150
    for op in operations:
        responses = {int(status): spec for status, spec in op.spec["responses"].items()}
        expected = {401, 403, 422}
        if op.id_params:
            expected.add(404)
        if op.method in {"post", "put", "patch", "delete"}:
            expected.add(409)
        assert expected <= set(responses), f"{op}: declares only {sorted(responses)}"
        for status in expected:
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorOut"), f"{op} {status}: {ref}"


def test_local_times_are_not_published_as_offset_times() -> None:
    """JSON Schema's ``format: time`` demands an offset; ours are wall-clock times."""
    hours = openapi_schema()["components"]["schemas"]["HoursOut"]["properties"]["start_time"]
    assert hours.get("format") != "time"
    assert hours["pattern"].startswith("^")
