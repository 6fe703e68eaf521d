"""Shared write helper: set fields, validate with the model's own rules, save."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

M = TypeVar("M", bound=models.Model)


def apply_changes(
    instance: M, data: Mapping[str, Any], allowed: Iterable[str], *, exclude_unique: bool = False
) -> list[str]:
    """Apply ``data`` (only ``allowed`` keys) to ``instance`` and validate; nothing is saved.

    Returns the names of fields that changed. Raises ``ValidationError`` keyed by field,
    so a page can show each message by its field and the API can return them as ``fields``.
    """
    allowed = set(allowed)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in unknown})
    refuse_nulls(instance, data)
    changed = []
    for name, value in data.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    instance.full_clean()
    return changed


def refuse_nulls(instance: models.Model, data: Mapping[str, Any]) -> None:
    """Refuse an explicit ``null`` for a column that cannot hold one, keyed by field.

    ``full_clean`` lets None through for fields that may be blank, and the database then
    fails on NOT NULL; a PATCH with ``{"pronouns": null}`` must be a 422, not a 500.
    """
    refused = {
        name: "This field cannot be null; send an empty value to clear it instead."
        for name, value in data.items()
        if value is None and not _nullable(instance, name)
    }
    if refused:
        raise ValidationError(refused)


def _nullable(instance: models.Model, name: str) -> bool:
    """Whether the column named ``name`` may hold NULL."""
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        return True  # not a column (a property the model handles itself)
    return bool(getattr(field, "null", True))
