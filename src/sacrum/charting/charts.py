"""Small server-rendered SVG line charts for a client's chart view.

Pure functions: data in, SVG markup out (no queries, no request). The markup carries no
``style`` attributes (strict CSP); it is styled by classes in ``charting/charting.css``.
Every chart has a ``<title>`` and ``<desc>`` for screen readers and a visually plain
table fallback is left to the template.

Rhythm findings are the practitioner's palpation findings, not measurements
(between-examiner reliability is poor), so their charts say so in the title and are
never coloured as normal or abnormal: no reference bands, no thresholds.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALPATION = "palpation findings"


@dataclass(frozen=True)
class Point:
    """One value on one day; ``value`` None is a gap (not recorded that session)."""

    on: dt.date
    value: float | None


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[Point]
    css: str = "s1"
    dashed: bool = False


@dataclass(frozen=True)
class Frame:
    """The plot's geometry: where values and days land in the viewBox."""

    width: int
    height: int
    left: int = 30
    right: int = 8
    top: int = 10
    bottom: int = 22
    first: dt.date = dt.date(2000, 1, 1)
    last: dt.date = dt.date(2000, 1, 1)
    y_min: float = 0.0
    y_max: float = 1.0
    ticks: tuple[float, ...] = field(default_factory=tuple)

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    def x(self, on: dt.date) -> float:
        span = (self.last - self.first).days
        if span <= 0:
            return (self.left + self.plot_right) / 2
        return self.left + (on - self.first).days / span * (self.plot_right - self.left)

    def y(self, value: float) -> float:
        span = self.y_max - self.y_min or 1.0
        return self.plot_bottom - (value - self.y_min) / span * (self.plot_bottom - self.top)


def _fmt(value: float) -> str:
    """A coordinate or value without trailing zeros (short markup, stable in tests)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_ticks(low: float, high: float, count: int = 3) -> tuple[float, float, tuple[float, ...]]:
    """Round axis limits and about ``count`` evenly spaced ticks covering low..high."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    stop = math.ceil(high / step) * step
    ticks: list[float] = []
    value = start
    while value <= stop + step / 1000:
        ticks.append(round(value, 6))
        value += step
    return start, stop, tuple(ticks)


def _date_label(on: dt.date, with_year: bool) -> str:
    return f"{on.day} {on:%b}" + (f" {on:%y}" if with_year else "")


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    description: str,
    unit: str = "",
    y_min: float | None = None,
    y_max: float | None = None,
    width: int = 320,
    height: int = 130,
    css: str = "",
    days_from: dt.date | None = None,
    days_to: dt.date | None = None,
) -> SafeString:
    """An SVG line chart of one or more series over calendar days.

    Gaps (None) break the line rather than joining across a missing session. A series
    with a single point is drawn as a dot. With no values at all the chart says so.
    """
    values = [p.value for s in series for p in s.points if p.value is not None]
    days = [p.on for s in series for p in s.points]
    classes = " ".join(c for c in ("mini-chart", css) if c)
    head = (
        f'<svg class="{escape(classes)}" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" focusable="false">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
    )
    if not values:
        return mark_safe(
            head + f'<text class="empty-text" x="{width / 2:g}" y="{height / 2:g}" '
            'text-anchor="middle">Nothing recorded yet</text></svg>'
        )
    low = min(values) if y_min is None else min(y_min, min(values))
    high = max(values) if y_max is None else max(y_max, max(values))
    low, high, ticks = nice_ticks(low, high)
    frame = Frame(
        width=width,
        height=height,
        first=min([*days, *([days_from] if days_from else [])]),
        last=max([*days, *([days_to] if days_to else [])]),
        y_min=low,
        y_max=high,
        ticks=ticks,
    )
    parts = [head]
    for tick in frame.ticks:
        y = _fmt(frame.y(tick))
        parts.append(
            f'<line class="grid" x1="{frame.left}" y1="{y}" x2="{frame.plot_right}" y2="{y}"/>'
            f'<text class="tick" x="{frame.left - 4}" y="{y}" dy="3" text-anchor="end">'
            f"{_fmt(tick)}</text>"
        )
    parts.append(
        f'<line class="axis" x1="{frame.left}" y1="{frame.plot_bottom}" '
        f'x2="{frame.plot_right}" y2="{frame.plot_bottom}"/>'
    )
    with_year = frame.first.year != frame.last.year
    ends = [(frame.first, "start"), (frame.last, "end")]
    if frame.first == frame.last:
        ends = [(frame.first, "middle")]
    for on, anchor in ends:
        parts.append(
            f'<text class="tick" x="{_fmt(frame.x(on))}" y="{frame.plot_bottom + 14}" '
            f'text-anchor="{anchor}">{escape(_date_label(on, with_year))}</text>'
        )
    suffix = f" {unit}" if unit else ""
    for s in series:
        runs: list[list[Point]] = [[]]
        for p in sorted(s.points, key=lambda p: p.on):
            if p.value is None:
                runs.append([])
            else:
                runs[-1].append(p)
        dash = " dashed" if s.dashed else ""
        for run in runs:
            if len(run) > 1:
                coords = " ".join(f"{_fmt(frame.x(p.on))},{_fmt(frame.y(p.value))}" for p in run)  # type: ignore[arg-type]
                parts.append(f'<polyline class="trace {escape(s.css)}{dash}" points="{coords}"/>')
        for p in s.points:
            if p.value is None:
                continue
            label = f"{s.name}, {p.on:%d %b %Y}: {_fmt(p.value)}{suffix}"
            parts.append(
                f'<circle class="dot {escape(s.css)}" cx="{_fmt(frame.x(p.on))}" '
                f'cy="{_fmt(frame.y(p.value))}" r="3"><title>{escape(label)}</title></circle>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def rhythm_rate_charts(
    by_station: Mapping[str, Sequence[tuple[dt.date, float | None]]],
) -> list[tuple[str, SafeString]]:
    """One small chart per listening station, all on the same scale so they compare.

    Titled as palpation findings; the rate is a number, never judged normal or not.
    """
    values = [v for rows in by_station.values() for _, v in rows if v is not None]
    if not values:
        return []
    low, high = min(values), max(values)
    days = [on for rows in by_station.values() for on, _ in rows]
    charts = []
    for station, rows in by_station.items():
        if not any(v is not None for _, v in rows):
            continue
        points = [Point(on, v) for on, v in rows]
        charts.append(
            (
                station,
                line_chart(
                    [Series(station, points, css="s1")],
                    title=f"Rhythm rate at {station} ({PALPATION}), cycles per minute",
                    description=(
                        f"The practitioner's palpated rhythm rate at {station} by session; "
                        f"{len([p for p in points if p.value is not None])} findings. "
                        "Palpation findings, not measurements."
                    ),
                    unit="cycles/min",
                    y_min=low,
                    y_max=high,
                    width=240,
                    height=110,
                    css="rhythm",
                    days_from=min(days),
                    days_to=max(days),
                ),
            )
        )
    return charts


def restriction_count_chart(counts: Sequence[tuple[dt.date, int]]) -> SafeString:
    """How many body-map restrictions the practitioner marked at each session."""
    return line_chart(
        [Series("Restrictions marked", [Point(on, n) for on, n in counts], css="s2")],
        title=f"Restrictions marked on the body map per session ({PALPATION})",
        description=(
            f"Count of regions marked as restricted at each of {len(counts)} sessions. "
            "Palpation findings, not measurements."
        ),
        unit="regions",
        y_min=0,
        css="restrictions",
    )


def pain_chart(sessions: Sequence[tuple[dt.date, int | None, int | None]]) -> SafeString:
    """Pain 0 to 10 reported before and after each session, as two lines."""
    before = Series("Pain before", [Point(on, b) for on, b, _ in sessions], css="s3")
    after = Series("Pain after", [Point(on, a) for on, _, a in sessions], css="s4", dashed=True)
    return line_chart(
        [before, after],
        title="Pain 0 to 10 reported before and after each session",
        description=(
            f"The client's pain rating before and after {len(sessions)} sessions, "
            "as reported to the practitioner."
        ),
        unit="of 10",
        y_min=0,
        y_max=10,
        css="pain",
    )
