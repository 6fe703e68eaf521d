"""Arithmetic on sorted lists of half-open integer intervals ``[start, end)``.

The availability engine works in whole seconds since the epoch (UTC), so a whole
range for hundreds of practitioners is a few linear merges instead of per-slot checks.
Every function takes and returns lists sorted by start, without overlaps ("normal").
"""

from __future__ import annotations

from collections.abc import Iterable

Interval = tuple[int, int]


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort, drop empty ones, merge overlapping and touching ones."""
    out: list[Interval] = []
    last_end: int | None = None
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if last_end is not None and start <= last_end:
            if end > last_end:
                out[-1] = (out[-1][0], end)
                last_end = end
        else:
            out.append((start, end))
            last_end = end
    return out


def subtract(keep: list[Interval], remove: list[Interval]) -> list[Interval]:
    """``keep`` minus ``remove`` (both normal)."""
    if not remove:
        return list(keep)
    out: list[Interval] = []
    j, n = 0, len(remove)
    for start, end in keep:
        while j < n and remove[j][1] <= start:
            j += 1
        k = j
        cur = start
        while k < n and remove[k][0] < end:
            r_start, r_end = remove[k]
            if r_start > cur:
                out.append((cur, r_start))
            if r_end > cur:
                cur = r_end
            if cur >= end:
                break
            k += 1
        if cur < end:
            out.append((cur, end))
    return out


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """The parts present in both (both normal)."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def contains(intervals: list[Interval], start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies wholly inside one interval."""
    return any(a <= start and end <= b for a, b in intervals)
