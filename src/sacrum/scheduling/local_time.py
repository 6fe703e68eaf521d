"""Wall-clock time at a location ↔ aware UTC, correct across daylight-saving changes.

We store UTC and think in local time: "Tuesday 10:00 in Berlin" is turned into an
instant for that date with the offset in force on that date, never by adding 24 h
to yesterday's instant. A wall time that does not exist (the spring-forward hour)
moves forward by the gap; an ambiguous one (the autumn repeat) takes the first.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import zoneinfo

from django.core.exceptions import ValidationError

UTC = dt.UTC
DASH = "\u2013"  # an en dash, for time ranges shown to people


@functools.lru_cache(maxsize=64)
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone for an IANA name; a clear ValidationError when there is no such zone."""
    try:
        if name in zoneinfo.available_timezones():
            return zoneinfo.ZoneInfo(name)
    except (ValueError, OSError):
        pass
    raise ValidationError({"time_zone": f"“{name}” is not a known time zone (e.g. Europe/Berlin)."})


def to_utc(day: dt.date, wall: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The instant at which a wall clock in ``tz`` shows ``wall`` on ``day`` (in UTC)."""
    local = dt.datetime.combine(day, wall.replace(tzinfo=None), tzinfo=tz)
    # Round-trip through UTC so a non-existent wall time (spring forward) is normalized.
    return local.astimezone(UTC)


def epoch(day: dt.date, wall: dt.time, tz: dt.tzinfo) -> int:
    return int(to_utc(day, wall, tz).timestamp())


def day_start(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """Local midnight of ``day`` as an aware UTC instant."""
    return to_utc(day, dt.time(0), tz)


def from_epoch(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=UTC)


def local(instant: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    return instant.astimezone(tz)


def repeated(moment: dt.datetime) -> bool:
    """Whether this local wall time happens twice that day (the hour the clocks go back)."""
    other = moment.replace(fold=1 - moment.fold)
    return other.utcoffset() != moment.utcoffset()


def offset_text(moment: dt.datetime) -> str:
    """'UTC+01:00': the offset, for telling apart two instants that read the same."""
    offset = moment.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def wall_label(instant: dt.datetime, tz: dt.tzinfo) -> str:
    """'Sun 25 Oct 2026 01:00 BST', with the offset added when that wall time repeats."""
    moment = local(instant, tz)
    text = f"{moment:%a} {moment.day} {moment:%b %Y %H:%M %Z}"
    return f"{text} ({offset_text(moment)})" if repeated(moment) else text


def aware(value: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """An input datetime as aware UTC: a naive one is read as local time in ``tz``."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = dt.datetime.combine(value.date(), value.time(), tzinfo=tz)
    return value.astimezone(UTC)


class Offsets:
    """UTC offsets of a zone over a window, for aligning slot starts to the local clock.

    Offsets change only at a zone's transitions, so we sample every few hours and
    bisect each change down to the second; lookups are then a bisect, not a tz call.
    """

    SAMPLE = 3 * 3600

    def __init__(self, tz: dt.tzinfo, start: int, end: int) -> None:
        self.tz = tz
        self.starts: list[int] = [start]
        self.offsets: list[int] = [self._offset(start)]
        t = start
        while t < end:
            nxt = min(t + self.SAMPLE, end)
            off = self._offset(nxt)
            if off != self.offsets[-1]:
                lo, hi = t, nxt  # offset(lo) is the old one, offset(hi) the new one
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if self._offset(mid) == off:
                        hi = mid
                    else:
                        lo = mid
                self.starts.append(hi)
                self.offsets.append(off)
            t = nxt

    def _offset(self, seconds: int) -> int:
        offset = from_epoch(seconds).astimezone(self.tz).utcoffset()
        return int(offset.total_seconds()) if offset else 0

    def at(self, seconds: int) -> int:
        i = bisect.bisect_right(self.starts, seconds) - 1
        return self.offsets[max(i, 0)]

    def align_up(self, seconds: int, step: int) -> int:
        """The first instant at or after ``seconds`` that is on the local ``step`` grid."""
        offset = self.offsets[0] if len(self.offsets) == 1 else self.at(seconds)
        return seconds + (-(seconds + offset)) % step
