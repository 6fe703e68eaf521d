"""Facts apps above scheduling add to the staff booking page for the chosen client.

Billing knows how many package credits a client has left; scheduling must not import
billing, so billing registers a hint function here when Django starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sacrum.clients.models import Client

# hint(client) -> short sentences for the booking page (no clinical content).
BookingHint = Callable[["Client"], list[str]]
_hints: list[BookingHint] = []


def register_booking_hint(hint: BookingHint) -> None:
    if hint not in _hints:
        _hints.append(hint)


def booking_hints(client: Client) -> list[str]:
    return [line for hint in _hints for line in hint(client)]
