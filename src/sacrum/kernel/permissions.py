"""The role check every service makes before it writes or reads a clinic's records."""

from __future__ import annotations

from typing import Protocol

from sacrum.kernel.errors import Forbidden


class MayAct(Protocol):
    """Anyone who can say whether their role allows an action (an ``Actor``)."""

    def can(self, action: str) -> bool: ...


def require(actor: MayAct, action: str) -> None:
    """Refuse with ``Forbidden`` unless the actor's role in their clinic allows ``action``."""
    if not actor.can(action):
        raise Forbidden("Your role in this clinic does not allow this.")
