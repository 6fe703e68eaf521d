"""Factories for the outcome id names, used by the cross-cutting route tests.

``tests/access/objects.py`` lists them in its FACTORIES so every ``{..._id}`` route and
page of outcomes is walked by the permission matrix and the bad-input tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sacrum.outcomes import services
from sacrum.outcomes.models import InstrumentDefinition

if TYPE_CHECKING:
    from tests.access.objects import Stillwater


def instrument(w: Stillwater, key: str = "pain-nrs") -> Any:
    services.ensure_definitions(w.owner.clinic)
    return InstrumentDefinition.objects.get(clinic=w.owner.clinic, key=key)


def response(w: Stillwater) -> Any:
    return services.record_response(
        actor=w.practitioner.actor,
        client=w.object("client_id"),  # type: ignore[arg-type]
        definition=w.object("instrument_id"),  # type: ignore[arg-type]
        answers={"pain": 6},
        occasion="baseline",
    )


def diary_entry(w: Stillwater) -> Any:
    return services.add_diary_entry(
        actor=w.practitioner.actor,
        client=w.object("client_id"),  # type: ignore[arg-type]
        data={"date": dt.date(2021, 3, 14), "headache": True, "peak": 6, "medication": False},
    )


def alert(w: Stillwater) -> Any:
    made = services.record_response(
        actor=w.practitioner.actor,
        client=w.object("client_id"),  # type: ignore[arg-type]
        definition=instrument(w, "phq-9"),
        answers={str(n): "1" for n in range(1, 10)},
        occasion="baseline",
    )
    return made.raised_alerts.get()


FACTORIES: dict[str, Callable[[Stillwater], Any]] = {
    "instrument_id": instrument,
    "outcome_response_id": response,
    "diary_entry_id": diary_entry,
    "outcome_alert_id": alert,
}
