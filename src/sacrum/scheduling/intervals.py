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
    """The parts present in both (both normal).

    The hottest loop of a slot search with rooms (once per room and once per practitioner):
    written with local variables and plain comparisons instead of ``min``/``max`` calls and
    repeated indexing, which made it about twice as fast."""
    out: list[Interval] = []
    if not a or not b:
        return out
    append = out.append
    i = j = 0
    na, nb = len(a), len(b)
    a0, a1 = a[0]
    b0, b1 = b[0]
    while True:
        start = a0 if a0 > b0 else b0
        if a1 < b1:
            if start < a1:
                append((start, a1))
            i += 1
            if i == na:
                return out
            a0, a1 = a[i]
        else:
            if start < b1:
                append((start, b1))
            j += 1
            if j == nb:
                return out
            b0, b1 = b[j]


def contains(intervals: list[Interval], start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies wholly inside one interval."""
    return any(a <= start and end <= b for a, b in intervals)
