"""Factories for portal's id names, used by the permission matrix (tests/access/objects.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.access.objects import Stillwater

FACTORIES: dict[str, Callable[[Stillwater], Any]] = {}
