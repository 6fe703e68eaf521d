"""Factories for plans's id names, used by the permission matrix (tests/access/objects.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sacrum.plans import services
from sacrum.plans.models import Measurement, Plan

if TYPE_CHECKING:
    from tests.access.objects import Stillwater


def plan(w: Stillwater) -> Any:
    return services.create_plan(
        actor=w.practitioner.actor,
        client=w.object("client_id"),  # type: ignore[arg-type]
        phases=[{"rule": "weekly", "count": 3}, {"rule": "monthly", "count": 2}],
        goals=[services.GoalData(text="Turn my head when driving", instrument_key="pain-nrs")],
        measures=[services.MeasureData(instrument_key="pain-nrs")],
    )


def measurement(w: Stillwater) -> Any:
    made = w.object("plan_id")
    assert isinstance(made, Plan)
    return Measurement.objects.get(plan=made, occasion="baseline", instrument_key="pain-nrs")


FACTORIES: dict[str, Callable[[Stillwater], Any]] = {
    "plan_id": plan,
    "plan_measurement_id": measurement,
}
