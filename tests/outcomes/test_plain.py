"""The client's caption under a curve says what its numbers are, in plain words."""

from __future__ import annotations

import datetime as dt

from sacrum.outcomes.definitions import shipped_instrument
from sacrum.outcomes.insight import Observation, analyse
from sacrum.outcomes.plain import reading

DAY = dt.date(2026, 6, 1)


def _weeks(values: list[float]) -> list[Observation]:
    return [Observation(DAY + dt.timedelta(weeks=n), v) for n, v in enumerate(values)]


def test_a_diary_caption_says_its_figure_is_the_last_28_days_not_the_last_point() -> None:
    """The last weekly point (16 per 28 days) differs from the last 28 days (7): the caption
    names the window and what a point is, so the two never seem to disagree."""
    view = analyse(
        shipped_instrument("headache-diary"),
        _weeks([12, 14, 8, 4, 0, 4, 8, 16]),
        status="not_yet",
        baseline=12.3,
        latest=7.0,
    )
    caption = reading(view).caption
    assert caption.startswith("Fewer headache days is better.")
    assert "In the last 28 days of your diary, up to 20 July 2026:" in caption
    assert "down from 12.3" in caption and "in its first 28 days" in caption
    assert "Each point on the chart is one week, counted per 28 days." in caption
    assert "Your latest result" not in caption


def test_a_questionnaire_caption_gives_the_latest_answer_and_the_start() -> None:
    view = analyse(
        shipped_instrument("hit-6"),
        _weeks([62, 60, 55, 52]),
        status="improved",
        baseline=62,
        latest=52,
    )
    caption = reading(view).caption
    assert "Your latest result, on 22 June 2026, was 52, down from 62 at the start." in caption
    assert "treat" not in caption.lower() and "because of" not in caption.lower()
