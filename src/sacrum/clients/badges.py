"""Badges beside a client's name in the client list, contributed by apps above clients.

Screening knows which clients have open safety alerts; clients must not import it.
An app registers a provider when Django starts; the list asks every provider once
per page (one query each), never once per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Badge = tuple[str, str]  # (css kind: "danger", "warn" or "", words)
BadgeProvider = Callable[[Sequence[Any], bool], dict[Any, list[Badge]]]
_providers: list[BadgeProvider] = []


def register(provider: BadgeProvider) -> None:
    """``provider(client_ids, clinical)`` returns client id → badges for that page."""
    if provider not in _providers:
        _providers.append(provider)


def badges_for(client_ids: Sequence[Any], *, clinical: bool) -> dict[Any, list[Badge]]:
    """Every provider's badges for these clients; ``clinical`` when the reader may see why."""
    found: dict[Any, list[Badge]] = {}
    for provider in _providers:
        for client_id, badges in provider(client_ids, clinical).items():
            found.setdefault(client_id, []).extend(badges)
    return found
