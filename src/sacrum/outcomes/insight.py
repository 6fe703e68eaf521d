"""One client's measure, read for a person: curve, status and statistics in plain words.

Pure: built from an instrument, the client's scores, the dates sessions took place and
the practice's baseline spread. Sentences describe observed change only; they never
say what caused it (``../shared/domain/evidence.md``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from sacrum.outcomes.definitions import Instrument, number_text
from sacrum.outcomes.scoring import DiaryDay, rounded
from sacrum.outcomes.statistics import Nap, ReliableChange, nap, reliable_change, tau_u

MIN_PHASE_POINTS = 3  # per phase, before NAP and Tau-U are shown (a Sacrum rule)
MIN_PRACTICE_BASELINES = 20  # clients with a baseline before their spread is used for the RCI
WEEK_MIN_DAYS = 5  # recorded days for a diary week to count

STATUS_TEXT = {
    "improved": "Reached the minimal important change",
    "not_yet": "Not yet reached the minimal important change",
    "worse": "Worse by at least the minimal important change",
    "no_mic": "No minimal important change is established for this measure",
    "no_data": "Not enough measurements yet to compare with the baseline",
}


@dataclass(frozen=True)
class Observation:
    on: dt.date
    value: float
    label: str = ""


@dataclass
class Chart:
    """Geometry for ``outcomes/_curve.svg`` (viewBox units)."""

    width: int = 640
    height: int = 260
    left: int = 48
    right: int = 16
    top: int = 16
    bottom: int = 40
    y_min: float = 0.0
    y_max: float = 1.0
    start: dt.date = dt.date.min
    end: dt.date = dt.date.min
    points: list[dict[str, object]] = field(default_factory=list)
    path: str = ""
    bands: list[dict[str, object]] = field(default_factory=list)
    y_ticks: list[dict[str, object]] = field(default_factory=list)
    x_ticks: list[dict[str, object]] = field(default_factory=list)
    sessions: list[dict[str, object]] = field(default_factory=list)
    baseline_y: float | None = None
    mic_y: float | None = None
    mic_label: str = ""
    title: str = ""
    description: str = ""
    compact: bool = False  # a phone's chart: fewer, larger labels; lines explained below it
    point_radius: int = 4

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def plot_width(self) -> int:
        return self.plot_right - self.left

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    def x(self, on: dt.date) -> float:
        span = max((self.end - self.start).days, 1)
        return round(self.left + (on - self.start).days / span * (self.plot_right - self.left), 1)

    def y(self, value: float) -> float:
        span = (self.y_max - self.y_min) or 1.0
        frac = (value - self.y_min) / span
        return round(self.plot_bottom - frac * (self.plot_bottom - self.top), 1)


@dataclass
class MeasureView:
    instrument: Instrument
    observations: list[Observation]
    status: str
    unit: str
    baseline: float | None = None
    latest: float | None = None
    mic_threshold: float | None = None
    nap: Nap | None = None
    tau_u: float | None = None
    rci: ReliableChange | None = None
    sentences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    chart: Chart | None = None
    condition_label: str = ""

    @property
    def mic_text(self) -> str:
        unit = self.unit if self.unit not in ("%", "") else "points"
        return self.instrument.scoring.mic.describe(unit)

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    @property
    def key(self) -> str:
        return self.instrument.key


def mic_threshold(instrument: Instrument, baseline: float | None) -> float | None:
    """The score at which the change from ``baseline`` reaches the MIC (the nearer of an
    absolute and a relative MIC, since reaching either counts)."""
    mic = instrument.scoring.mic
    if baseline is None or not mic.established or instrument.scoring.change_measure:
        return None
    amounts = []
    if mic.absolute is not None:
        amounts.append(float(mic.absolute))
    if mic.relative is not None and baseline > 0:
        amounts.append(float(mic.relative) * baseline)
    if not amounts:
        return None
    need = min(amounts)
    low, high = float(instrument.scoring.range_min), float(instrument.scoring.range_max)
    target = baseline - need if instrument.scoring.higher_is_worse else baseline + need
    return target if low <= target <= high else None


def weekly_diary(days: Sequence[DiaryDay]) -> list[Observation]:
    """Headache days per 28 days for each week of the diary with at least 5 recorded days."""
    if not days:
        return []
    first = min(d.day for d in days)
    weeks: dict[int, list[DiaryDay]] = {}
    for d in days:
        weeks.setdefault((d.day - first).days // 7, []).append(d)
    result = []
    for index in sorted(weeks):
        week = weeks[index]
        if len(week) >= WEEK_MIN_DAYS:
            rate = sum(1 for d in week if d.headache) * 28 / len(week)
            result.append(Observation(first + dt.timedelta(days=index * 7 + 6), rate, "week"))
    return result


def _pct(x: float) -> str:
    return f"{round(x * 100):d} %"


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude: float = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _compact_chart(title: str) -> Chart:
    """A viewBox about as wide as a phone's column, so a unit is close to a pixel there:
    labels stay legible without the wide chart's crowding."""
    return Chart(
        width=360,
        height=240,
        left=36,
        right=18,
        top=12,
        bottom=34,
        title=title,
        compact=True,
        point_radius=5,
    )


def _spaced(ticks: list[float], chart: Chart, gap: float) -> list[float]:
    """Ticks at least ``gap`` viewBox units apart; the bottom and top ones always stay."""
    if len(ticks) <= 2:
        return ticks
    kept = [ticks[0]]
    for t in ticks[1:-1]:
        if (
            abs(chart.y(t) - chart.y(kept[-1])) >= gap
            and abs(chart.y(ticks[-1]) - chart.y(t)) >= gap
        ):
            kept.append(t)
    return [*kept, ticks[-1]]


def build_chart(view: MeasureView, sessions: Sequence[dt.date], *, compact: bool = False) -> Chart:
    instrument = view.instrument
    scoring = instrument.scoring
    obs = view.observations
    title = f"{instrument.title} over time"
    chart = _compact_chart(title) if compact else Chart(title=title)
    low, high = float(scoring.range_min), float(scoring.range_max)
    data_high = max((o.value for o in obs), default=high)
    if high - low > 100 and data_high < (high - low) * 0.4:
        high = _nice_ceiling(max(data_high * 1.25, float(view.mic_threshold or 0), 1))
    chart.y_min, chart.y_max = low, high
    dates = [o.on for o in obs] + list(sessions)
    chart.start = min(dates) - dt.timedelta(days=2)
    chart.end = max(dates) + dt.timedelta(days=2)

    for n, band in enumerate(scoring.bands):
        b_low = max(float(band.min), low)
        nxt = scoring.bands[n + 1].min if n + 1 < len(scoring.bands) else None
        b_high = min(float(nxt) if nxt is not None else high, high)
        if b_low >= high:
            continue
        y_top, y_bottom = chart.y(b_high), chart.y(b_low)
        chart.bands.append(
            {
                "y": y_top,
                "height": round(y_bottom - y_top, 1),
                "label": band.label,
                "shade": n % 5,
                "label_y": round(y_top + 12, 1),
            }
        )
    ticks = sorted(
        {low, high, *(float(b.min) for b in scoring.bands if low <= float(b.min) <= high)}
    )
    if len(ticks) < 3:
        step = (high - low) / 4
        ticks = [low + step * i for i in range(5)]
    if compact:
        ticks = _spaced(ticks, chart, 18)
    chart.y_ticks = [
        {"y": chart.y(t), "label": number_text(Fraction(str(round(t, 2))))} for t in ticks
    ]

    span = (chart.end - chart.start).days
    if compact:  # the first and last day, and the middle: three labels fit a phone
        first, last = chart.start + dt.timedelta(days=2), chart.end - dt.timedelta(days=2)
        days = sorted({first, first + (last - first) / 2, last})
        anchors = ["start", "middle", "end"] if len(days) == 3 else ["start", "end"][: len(days)]
        for day, anchor in zip(days, anchors, strict=True):
            chart.x_ticks.append(
                {"x": chart.x(day), "label": f"{day.day} {day:%b}", "anchor": anchor}
            )
    else:
        stride = max(1, span // 5)
        day = chart.start + dt.timedelta(days=2)
        while day <= chart.end:
            chart.x_ticks.append(
                {"x": chart.x(day), "label": f"{day.day} {day:%b}", "anchor": "middle"}
            )
            day += dt.timedelta(days=stride)
    chart.sessions = [
        {"x": chart.x(s), "label": f"{s.day} {s:%b %Y}"} for s in sorted(set(sessions))
    ]

    coords = []
    for o in obs:
        x, y = chart.x(o.on), chart.y(min(max(o.value, low), high))
        coords.append(f"{x},{y}")
        chart.points.append(
            {"x": x, "y": y, "label": f"{o.on.day} {o.on:%b %Y}: {rounded(instrument, o.value)}"}
        )
    chart.path = " ".join(coords)
    if view.baseline is not None and not scoring.change_measure:
        chart.baseline_y = chart.y(min(max(view.baseline, low), high))
    if view.mic_threshold is not None and low <= view.mic_threshold <= high:
        chart.mic_y = chart.y(view.mic_threshold)
        chart.mic_label = (
            f"Minimal important change ({number_text(Fraction(str(round(view.mic_threshold, 2))))})"
        )
    direction = "lower is better" if scoring.higher_is_worse else "higher is better"
    chart.description = (
        f"{len(obs)} measurements from {obs[0].on.day} {obs[0].on:%B %Y} to {obs[-1].on.day} {obs[-1].on:%B %Y}; {direction}."
        if obs
        else "No measurements yet."
    )
    return chart


def analyse(
    instrument: Instrument,
    observations: Sequence[Observation],
    *,
    sessions: Sequence[dt.date] = (),
    status: str = "no_data",
    baseline: float | None = None,
    latest: float | None = None,
    practice_sd: float | None = None,
    practice_n: int = 0,
    compact: bool = False,
) -> MeasureView:
    """Status, NAP with its interval, Tau-U and reliable change, each with one sentence."""
    scoring = instrument.scoring
    obs = sorted(observations, key=lambda o: o.on)
    unit = scoring.unit
    view = MeasureView(instrument, list(obs), status, unit, baseline, latest)
    view.mic_threshold = mic_threshold(instrument, baseline)
    worse_high = scoring.higher_is_worse
    better = "lower" if worse_high else "higher"

    if scoring.change_measure:
        if latest is not None:
            band = instrument.band_for(latest)
            view.sentences.append(
                f"The latest answer was {rounded(instrument, latest)} ({band.label.lower() if band else 'no band'})."
            )
    elif baseline is not None and latest is not None and status != "no_data":
        change = latest - baseline
        word = "fell" if change < 0 else "rose" if change > 0 else "did not change"
        amount = f" by {rounded(instrument, abs(change))} {unit}".rstrip() if change else ""
        view.sentences.append(
            f"From the baseline of {rounded(instrument, baseline)} the score {word}{amount} "
            f"to {rounded(instrument, latest)} ({better} is better; minimal important change: "
            f"{scoring.mic.describe(unit)})."
        )

    if sessions and not scoring.change_measure:
        first = min(sessions)
        phase_a = [o.value for o in obs if o.on < first]
        phase_b = [o.value for o in obs if o.on >= first]
        if len(phase_a) >= MIN_PHASE_POINTS and len(phase_b) >= MIN_PHASE_POINTS:
            view.nap = nap(phase_a, phase_b, higher_is_worse=worse_high)
            view.tau_u = tau_u(phase_a, phase_b, higher_is_worse=worse_high)
            view.sentences.append(
                f"NAP {view.nap.estimate:.2f} (95 % CI {view.nap.lower:.2f} to {view.nap.upper:.2f}): "
                f"in {_pct(view.nap.estimate)} of comparisons a score after sessions began was "
                f"better than one before (ties count half); 50 % would mean no difference."
            )
            view.sentences.append(
                f"Tau-U {view.tau_u:.2f}: the same comparison after allowing for any trend "
                f"already present before sessions began (0 means none; it can go beyond ±1)."
            )
        else:
            view.notes.append(
                f"NAP and Tau-U need at least {MIN_PHASE_POINTS} measurements before and "
                f"{MIN_PHASE_POINTS} after the first session ({len(phase_a)} and {len(phase_b)} so far)."
            )
    elif not scoring.change_measure:
        view.notes.append("NAP and Tau-U need session dates: none are recorded yet.")

    r = scoring.reliability.test_retest_r
    sd = scoring.reliability.sd
    sd_value = (
        float(sd)
        if sd is not None
        else practice_sd
        if practice_n >= MIN_PRACTICE_BASELINES
        else None
    )
    if scoring.change_measure or status == "no_data" or baseline is None or latest is None:
        pass
    elif r is None:
        view.notes.append(
            "Reliable change needs a published test-retest reliability; none is on file for this measure."
        )
    elif not sd_value:
        view.notes.append(
            f"Reliable change needs the spread of baseline scores of at least "
            f"{MIN_PRACTICE_BASELINES} clients in this practice ({practice_n} so far)."
        )
    else:
        view.rci = reliable_change(
            baseline, latest, sd=sd_value, r=float(r), higher_is_worse=worse_high
        )
        if view.rci.reliable:
            kind = "an improvement" if view.rci.direction == "improved" else "a worsening"
            view.sentences.append(
                f"Reliable change index {view.rci.rc:.2f}: beyond ±1.96, so this is {kind} larger "
                f"than measurement error alone would likely produce."
            )
        else:
            view.sentences.append(
                f"Reliable change index {view.rci.rc:.2f}: within ±1.96, so the change could "
                f"still be measurement error."
            )
    view.chart = build_chart(view, sessions, compact=compact) if obs else None
    return view
