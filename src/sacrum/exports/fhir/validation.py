"""Checking our resources against the FHIR R4 (R4B) models of ``fhir.resources``.

The package's top-level models are R5; ``fhir.resources.R4B`` holds the R4-compatible
ones that clinics' systems read. A failure raises ``InvalidResource`` naming the
resource type, id and the first problem (never the data).
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError


class InvalidResource(ValueError):
    pass


def validate(resource: dict[str, Any]) -> None:
    kind = str(resource.get("resourceType"))
    try:
        get_fhir_model_class(kind).model_validate(resource)
    except (ValidationError, KeyError, ValueError) as exc:
        where = f"{kind}/{resource.get('id', '?')}"
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            place = ".".join(str(p) for p in first.get("loc", ()))
            raise InvalidResource(f"{where}: {place}: {first.get('msg')}") from exc
        raise InvalidResource(f"{where}: {exc}") from exc


def validate_bundle(bundle: dict[str, Any]) -> None:
    """Every entry's resource by its own type, then the bundle's frame."""
    for entry in bundle.get("entry", []):
        validate(entry["resource"])
    validate({**bundle, "entry": [{"fullUrl": e["fullUrl"]} for e in bundle.get("entry", [])]})
