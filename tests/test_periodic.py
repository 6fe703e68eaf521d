"""The periodic hook: every app's tick runs, one broken tick doesn't stop the others."""

from __future__ import annotations

import datetime as dt
import types
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from sacrum.web import periodic


def _module(name: str, tick: Any) -> types.ModuleType:
    module = types.ModuleType(f"sacrum.{name}.periodic")
    module.tick = tick  # type: ignore[attr-defined]
    return module


def test_every_tick_runs_and_a_failure_is_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dt.datetime] = []

    def broken(now: dt.datetime) -> None:
        raise RuntimeError("smtp down")

    def counting(now: dt.datetime) -> int:
        seen.append(now)
        return 3

    monkeypatch.setattr(
        periodic, "_providers", lambda: [_module("first", broken), _module("second", counting)]
    )
    out = StringIO()
    call_command("tick", stdout=out)
    assert len(seen) == 1
    assert "first: failed" in out.getvalue()
    assert "second: 3" in out.getvalue()
