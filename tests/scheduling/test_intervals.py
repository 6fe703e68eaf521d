"""Interval arithmetic of the slot engine, against counting the seconds one by one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sacrum.scheduling.intervals import Interval, intersect, normalize, subtract

ranges = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda p: (min(p), max(p))),
    max_size=8,
).map(normalize)


def seconds(intervals: list[Interval]) -> set[int]:
    return {s for a, b in intervals for s in range(a, b)}


def from_seconds(points: set[int]) -> list[Interval]:
    return normalize((s, s + 1) for s in points)


@settings(max_examples=400, deadline=None)
@given(a=ranges, b=ranges)
def test_intersect_keeps_exactly_the_seconds_in_both(a: list[Interval], b: list[Interval]) -> None:
    both = intersect(a, b)
    assert normalize(both) == from_seconds(seconds(a) & seconds(b))
    assert both == intersect(b, a)
    assert all(x < y for x, y in both)


@settings(max_examples=400, deadline=None)
@given(a=ranges, b=ranges)
def test_subtract_keeps_exactly_the_seconds_not_removed(
    a: list[Interval], b: list[Interval]
) -> None:
    assert normalize(subtract(a, b)) == from_seconds(seconds(a) - seconds(b))
