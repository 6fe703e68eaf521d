"""What a client's measurements add up to: baseline, latest, change, status.

Pure functions over plain values; ``services`` stores the result in ``OutcomeSummary``
on every write, so reports read one row per client and measure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from sacrum.outcomes.definitions import Instrument
from sacrum.outcomes.scoring import DiaryDay, change_status, diary_score


@dataclass(frozen=True)
class Point:
    on: dt.date
    value: float | None
    occasion: str = "session"
    condition: str = ""


@dataclass(frozen=True)
class SummaryValues:
    baseline_value: float | None = None
    baseline_on: dt.date | None = None
    latest_value: float | None = None
    latest_on: dt.date | None = None
    change: float | None = None
    improvement: float | None = None
    status: str = "no_data"
    has_follow_up: bool = False
    measurements: int = 0
    condition: str = ""

    @property
    def responder(self) -> bool:
        return self.status == "improved"


def _oriented(instrument: Instrument, change: float) -> float:
    return -change if instrument.scoring.higher_is_worse else change


def summarize(instrument: Instrument, points: Sequence[Point]) -> SummaryValues:
    """Baseline = the first 'baseline' response (else the first scored one); latest = the
    last later response outside the baseline phase (a follow-up); without one, no change."""
    scored = sorted((p for p in points if p.value is not None), key=lambda p: p.on)
    condition = next((p.condition for p in points if p.occasion == "baseline" and p.condition), "")
    condition = condition or next((p.condition for p in points if p.condition), "")
    if not scored:
        return SummaryValues(measurements=0, condition=condition)
    latest = scored[-1]
    if instrument.scoring.change_measure:
        return SummaryValues(
            latest_value=latest.value,
            latest_on=latest.on,
            status=change_status(instrument, None, latest.value),
            has_follow_up=True,
            measurements=len(scored),
            condition=condition,
        )
    baseline = next((p for p in scored if p.occasion == "baseline"), scored[0])
    # A follow-up is a later measurement that is not itself part of the baseline phase.
    follow_ups = [
        p for p in scored if p is not baseline and p.on >= baseline.on and p.occasion != "baseline"
    ]
    if not follow_ups:
        return SummaryValues(
            baseline_value=baseline.value,
            baseline_on=baseline.on,
            latest_value=latest.value,
            latest_on=latest.on,
            status="no_data",
            measurements=len(scored),
            condition=condition,
        )
    latest = follow_ups[-1]
    assert baseline.value is not None and latest.value is not None
    change = latest.value - baseline.value
    return SummaryValues(
        baseline_value=baseline.value,
        baseline_on=baseline.on,
        latest_value=latest.value,
        latest_on=latest.on,
        change=change,
        improvement=_oriented(instrument, change),
        status=change_status(instrument, baseline.value, latest.value),
        has_follow_up=True,
        measurements=len(scored),
        condition=condition,
    )


def _value(x: Fraction | None) -> float | None:
    return None if x is None else float(x)


def summarize_diary(
    instrument: Instrument, days: Sequence[DiaryDay], condition: str = ""
) -> SummaryValues:
    """Baseline = headache days per 28 in the first 28 days of the diary; latest = in the
    28 days up to the last entry, a follow-up once that window no longer overlaps."""
    if not days:
        return SummaryValues(condition=condition)
    first = min(d.day for d in days)
    last = max(d.day for d in days)
    window = dt.timedelta(days=instrument.scoring.window_days - 1)
    base = diary_score(instrument, days, first + window)
    now = diary_score(instrument, days, last)
    baseline_value = _value(base.headache_days_per_28)
    latest_value = _value(now.headache_days_per_28)
    follow_up = baseline_value is not None and latest_value is not None and now.start > base.end
    if not follow_up:
        return SummaryValues(
            baseline_value=baseline_value,
            baseline_on=base.end if baseline_value is not None else None,
            latest_value=latest_value,
            latest_on=last if latest_value is not None else None,
            measurements=len(days),
            condition=condition,
        )
    assert baseline_value is not None and latest_value is not None
    change = latest_value - baseline_value
    return SummaryValues(
        baseline_value=baseline_value,
        baseline_on=base.end,
        latest_value=latest_value,
        latest_on=last,
        change=change,
        improvement=_oriented(instrument, change),
        status=change_status(instrument, baseline_value, latest_value),
        has_follow_up=True,
        measurements=len(days),
        condition=condition,
    )
