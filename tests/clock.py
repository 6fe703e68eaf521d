"""The test clock: every test starts at one chosen instant, and time flows on from there.

A test that books, expires or compares with "today" must not pass on some days and fail
on others, so no test runs on the real clock. Each test travels (time-machine, ticking) to
the same instant: a calm Wednesday by default, or the instant named by ``--clock`` or
``SACRUM_TEST_CLOCK``: a preset below (``dst-spring-london``), an aware ISO instant
(``2028-02-29T10:00:00Z``), or a wall-clock time in a zone (``2027-01-10T23:50@Europe/London``).
``real`` starts each test at the real time instead (still travelling, so ``clock.shift`` works).
Several, comma-separated (``awkward`` = every preset but ``calm``), run each test at each.

time-machine patches the process, so the live server's threads see the same clock. The
database's own ``now()`` does not: Sacrum stamps times in Python (``auto_now`` included).
A browser has its own clock; ``set_browser_clock`` sets a Playwright context to ours.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

ENV = "SACRUM_TEST_CLOCK"
DEFAULT = "calm"


@dataclass(frozen=True)
class Preset:
    wall: str  # local wall-clock time, ISO
    zone: str
    why: str

    def instant(self) -> dt.datetime:
        local = dt.datetime.fromisoformat(self.wall).replace(tzinfo=ZoneInfo(self.zone))
        return local.astimezone(dt.UTC)


# The test clinics are in Europe/London (Stillwater) and America/New_York (Elsewhere).
PRESETS: dict[str, Preset] = {
    "calm": Preset("2026-06-10T13:00", "Europe/London", "a Wednesday afternoon, far from any edge"),
    "sunday-late-london": Preset(
        "2027-01-10T23:50", "Europe/London", "Sunday 23:50: the week turns in ten minutes"
    ),
    "sunday-late-new-york": Preset(
        "2027-01-10T23:50", "America/New_York", "Sunday 23:50 in New York, already Monday in UTC"
    ),
    "dst-spring-london": Preset(
        "2027-03-28T00:30", "Europe/London", "30 min before 01:00 GMT jumps to 02:00 BST"
    ),
    "dst-fall-london": Preset(
        "2026-10-25T01:30", "Europe/London", "30 min before 02:00 BST falls back to 01:00 GMT"
    ),
    "dst-spring-new-york": Preset(
        "2027-03-14T01:30", "America/New_York", "30 min before 02:00 EST jumps to 03:00 EDT"
    ),
    "dst-fall-new-york": Preset(
        "2026-11-01T01:30", "America/New_York", "30 min before 02:00 EDT falls back to 01:00 EST"
    ),
    "year-end-london": Preset(
        "2026-12-31T23:30", "Europe/London", "31 December 23:30, the year turns in 30 min"
    ),
    "year-end-new-york": Preset(
        "2026-12-31T23:30", "America/New_York", "31 December 23:30 in New York, 1 January in UTC"
    ),
    "leap-day": Preset("2028-02-29T10:00", "Europe/London", "29 February, a leap day"),
}
# The instants CI runs the time-sensitive tests at (dev.py), besides the default.
AWKWARD = [name for name in PRESETS if name != DEFAULT]


def parse(spec: str) -> dt.datetime | None:
    """The UTC instant a ``--clock`` value names; None for ``real``."""
    spec = spec.strip()
    if spec == "real":
        return None
    if spec in PRESETS:
        return PRESETS[spec].instant()
    try:
        if "@" in spec:
            wall, zone = spec.split("@", 1)
            local = dt.datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(zone))
            return local.astimezone(dt.UTC)
        instant = dt.datetime.fromisoformat(spec)
    except (ValueError, KeyError) as exc:
        raise pytest.UsageError(f"{ENV}/--clock: cannot read {spec!r} ({exc})") from exc
    if instant.tzinfo is None:
        raise pytest.UsageError(
            f"{ENV}/--clock: {spec!r} has no UTC offset; add one (Z, +01:00) or '@Zone/Name'."
        )
    return instant.astimezone(dt.UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        default=None,
        help=f"the instant every test starts at: a preset ({', '.join(PRESETS)}), an ISO "
        "instant with offset, 'YYYY-MM-DDTHH:MM@Zone/Name' or 'real'; several, comma-"
        "separated, run each test once at each ('awkward' = every preset but the calm "
        f"one). Default: ${ENV}, else '{DEFAULT}'.",
    )


_INSTANTS = pytest.StashKey[dict[str, dt.datetime | None]]()


def instants(spec: str) -> dict[str, dt.datetime | None]:
    """Each instant a ``--clock`` value names, by its name, in order."""
    names: list[str] = []
    for part in spec.split(","):
        names.extend(AWKWARD if part.strip() == "awkward" else [part.strip()])
    return {name: parse(name) for name in dict.fromkeys(n for n in names if n)}


def pytest_configure(config: pytest.Config) -> None:
    # Read once up front, so a typo stops the run before any test.
    spec = config.getoption("--clock") or os.environ.get(ENV) or DEFAULT
    config.stash[_INSTANTS] = instants(spec)


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = []
    for name, instant in config.stash[_INSTANTS].items():
        if instant is None:
            lines.append("clock: real time (each test travels from now, ticking)")
            continue
        what = ""
        if name in PRESETS:
            preset = PRESETS[name]
            local = instant.astimezone(ZoneInfo(preset.zone))
            what = f" = {local:%a %Y-%m-%d %H:%M %Z} {preset.zone}: {preset.why}"
        lines.append(f"clock: {name} -> {instant:%Y-%m-%dT%H:%M:%SZ}{what} (ticking)")
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With several instants, every test runs once at each (ids end in ``[instant]``)."""
    chosen = metafunc.config.stash[_INSTANTS]
    if len(chosen) > 1 and "clock" in metafunc.fixturenames:
        metafunc.parametrize("clock", list(chosen), indirect=True, ids=list(chosen))


def _chosen(request: pytest.FixtureRequest) -> dt.datetime | None:
    table = request.config.stash[_INSTANTS]
    callspec = getattr(request.node, "callspec", None)
    name = callspec.params["clock"] if callspec and "clock" in callspec.params else None
    return table[name or next(iter(table))]


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Traveller]:
    """Every test starts at the chosen instant; ``clock.shift(...)`` moves time on."""
    instant = _chosen(request)
    with time_machine.travel(instant or dt.datetime.now(dt.UTC), tick=True) as traveller:
        yield traveller


@pytest.fixture
def clock_start(request: pytest.FixtureRequest) -> dt.datetime | None:
    """The instant this test started at (None with ``--clock=real``)."""
    return _chosen(request)


def set_browser_clock(context: Any) -> None:
    """Give a Playwright browser context the tests' clock, so page scripts see our "today".

    Chromium's ``Date`` reads the real clock; Playwright's clock starts it at our instant
    and lets it run on (timers still fire in real time).
    """
    context.clock.install(time=dt.datetime.now(dt.UTC))
