"""Factories for notifications's id names, used by the permission matrix (tests/access/objects.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sacrum.notifications import services

if TYPE_CHECKING:
    from tests.access.objects import Stillwater


def calendar_feed(w: Stillwater) -> Any:
    """Stillwater's practitioner's private calendar feed."""
    feed, _raw = services.create_feed(actor=w.practitioner.actor)
    return feed


FACTORIES: dict[str, Callable[[Stillwater], Any]] = {"calendar_feed_id": calendar_feed}
