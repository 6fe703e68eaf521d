"""Outcome fixtures: the clinic's instrument definitions and a client to measure."""

from __future__ import annotations

from typing import Any

import pytest

from sacrum.outcomes import services
from sacrum.outcomes.models import InstrumentDefinition


@pytest.fixture
def definitions(owner: Any) -> dict[str, InstrumentDefinition]:
    services.ensure_definitions(owner.clinic)
    return {d.key: d for d in InstrumentDefinition.objects.filter(clinic=owner.clinic)}
