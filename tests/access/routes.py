"""Route discovery for the cross-cutting tests: API operations from the OpenAPI schema,
pages from the URL resolver, and plausible request bodies built from the schema.

Nothing here lists routes by hand, so a capability added later is covered as soon as
its router or URLconf is included.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.test import Client as HttpClient
from django.test.client import MULTIPART_CONTENT
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import UUIDConverter

from sacrum.api.api import api
from tests.access.objects import Stillwater

WRITE_METHODS = ("post", "put", "patch", "delete")
HTTP_METHODS = ("get", *WRITE_METHODS)
PATH_PARAM = re.compile(r"\{(\w+)\}")  # every path parameter must have a factory
ROUTE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@functools.cache
def openapi_schema() -> dict[str, Any]:
    """The API's published document, built once per test process (read it, never change it).

    Building it walks every router and model schema, ~0.3 s; the bad-input tests and the
    permission matrix need it for each of their ~1 100 cases.
    """
    return api.get_openapi_schema()


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any] = field(compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def id_params(self) -> list[str]:
        return PATH_PARAM.findall(self.path)

    @property
    def clinical(self) -> bool:
        return self.spec.get("x-sacrum-clinical") is True

    @property
    def body_type(self) -> str | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        return next(iter(content), None)

    @property
    def body_schema(self) -> dict[str, Any] | None:
        content: dict[str, Any] = self.spec.get("requestBody", {}).get("content", {})
        for media in content.values():
            return media.get("schema")  # type: ignore[no-any-return]
        return None

    def required_query(self) -> list[dict[str, Any]]:
        return [
            p for p in self.spec.get("parameters", []) if p["in"] == "query" and p.get("required")
        ]


def api_operations() -> list[Operation]:
    schema = openapi_schema()
    return [
        Operation(method, path, spec)
        for path, ops in schema["paths"].items()
        for method, spec in ops.items()
        if method in HTTP_METHODS
    ]


class Example:
    """Builds the smallest value a schema accepts: required properties only, first choices."""

    def __init__(self, schema: dict[str, Any], stillwater: Stillwater) -> None:
        self.components = schema.get("components", {}).get("schemas", {})
        self.stillwater = stillwater

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.components[node["$ref"].rsplit("/", 1)[-1]]
        for key in ("anyOf", "oneOf"):
            if key in node:
                options = [o for o in node[key] if self.resolve(o).get("type") != "null"]
                return self.resolve(options[0])
        if "allOf" in node:
            return self.resolve(node["allOf"][0])
        return node

    def value(self, node: dict[str, Any], name: str = "") -> Any:
        node = self.resolve(node)
        if "enum" in node:
            return node["enum"][0]
        if "const" in node:
            return node["const"]
        kind = node.get("type")
        fmt = node.get("format", "")
        if kind == "object" or "properties" in node:
            props = node.get("properties", {})
            return {key: self.value(props[key], key) for key in node.get("required", [])}
        if kind == "array":
            return [self.value(node.get("items", {}), name) for _ in range(node.get("minItems", 0))]
        if kind == "boolean":
            return True
        if kind in ("integer", "number"):
            return max(node.get("minimum", 1), node.get("exclusiveMinimum", 0) + 1)
        if fmt == "uuid":
            if self.stillwater.known(name):
                return self.stillwater.id(name)
            return str(uuid.uuid4())
        if fmt == "date":
            return "2021-03-15"
        if fmt == "date-time":
            return "2021-03-15T10:00:00Z"
        if fmt == "time" or name.endswith("_time"):  # local times are published as a pattern
            return "10:00:00"
        if fmt == "email" or name.endswith("email"):
            return "someone@example.test"
        if name.endswith("time_zone"):
            return "Europe/London"
        return "x" * max(1, node.get("minLength", 0))


@dataclass
class Request:
    method: str
    url: str
    data: Any = None
    content_type: str | None = None

    def send(self, http: HttpClient) -> Any:
        kwargs: dict[str, Any] = {}
        if self.content_type is not None:
            kwargs = {"data": self.data, "content_type": self.content_type}
        return getattr(http, self.method)(self.url, **kwargs)


def build_request(
    op: Operation,
    stillwater: Stillwater,
    *,
    ids: dict[str, str] | None = None,
    body: Any = ...,
) -> Request:
    """A request for ``op``: ids from Stillwater (or ``ids``), a schema-built body (or ``body``)."""
    example = Example(openapi_schema(), stillwater)
    ids = ids or {}
    path = op.path
    for name in op.id_params:
        path = path.replace("{" + name + "}", ids.get(name) or stillwater.id(name, str(op)))
    query = {p["name"]: example.value(p["schema"], p["name"]) for p in op.required_query()}
    url = path + (f"?{urlencode(query)}" if query else "")
    if op.body_type is None:
        return Request(op.method, url)
    data = example.value(op.body_schema or {}) if body is ... else body
    if op.body_type == "application/json":
        return Request(op.method, url, json.dumps(data), "application/json")
    if op.body_type == "application/x-www-form-urlencoded":
        return Request(op.method, url, urlencode(data), op.body_type)
    if op.body_type == "multipart/form-data":
        return Request(op.method, url, data, MULTIPART_CONTENT)
    raise AssertionError(f"{op}: the tests do not know how to send {op.body_type}")


# --- Pages ------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    route: str
    converters: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return f"{self.name} /{self.route}"

    @property
    def kwargs(self) -> list[str]:
        return [name for name, _conv in self.converters]

    def url(self, values: dict[str, str]) -> str:
        return "/" + ROUTE_PARAM.sub(lambda m: values[m.group(2)], self.route)


def _walk(
    patterns: list[Any], route: str, namespaces: tuple[str, ...], converters: dict[str, Any]
) -> Iterator[tuple[tuple[str, ...], str, str | None, dict[str, Any]]]:
    for entry in patterns:
        piece = str(entry.pattern)
        found = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, route + piece, ns, found)
        elif isinstance(entry, URLPattern):
            yield namespaces, route + piece, entry.name, found


def object_pages(namespace: str = "web") -> list[Page]:
    """Every page in ``namespace`` whose path carries a UUID (an object of some clinic)."""
    pages = []
    for namespaces, route, name, converters in _walk(get_resolver().url_patterns, "", (), {}):
        if not namespaces or namespaces[0] != namespace:
            continue
        if not any(isinstance(c, UUIDConverter) for c in converters.values()):
            continue
        label = ":".join((*namespaces, name or "<unnamed>"))
        kinds = tuple((k, type(c).__name__) for k, c in converters.items())
        pages.append(Page(label, route, kinds))
    return pages
