"""Shared write helper: set fields, validate with the model's own rules, save."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
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
    changed = []
    for name, value in data.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    instance.full_clean()
    return changed
