"""A measure told to the client it is about: which way is better, and where they stand.

Pure, like ``insight``. The words are ours (no questionnaire's wording) and describe the
numbers only: a change is "down from" or "up from", never put down to the sessions
(``../shared/domain/evidence.md``). Measures a clinic loads itself get the plain
"lower is better" sentence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sacrum.outcomes.definitions import Instrument
from sacrum.outcomes.insight import MeasureView
from sacrum.outcomes.scoring import rounded

# What a better score means, for the measures Sacrum ships, in a client's words.
BETTER_MEANS = {
    "pain-nrs": "Lower scores mean less pain.",
    "headache-diary": "Fewer headache days is better.",
    "hit-6": "Lower scores mean headaches got in the way of daily life less.",
    "midas": "Lower scores mean fewer days lost to headaches.",
    "ndi": "Lower scores mean neck pain got in the way of daily life less.",
    "odi": "Lower scores mean back pain got in the way of daily life less.",
    "rmdq": "Lower scores mean back pain got in the way of daily life less.",
    "fiqr": "Lower scores mean fibromyalgia affected daily life less.",
    "snot-22": "Lower scores mean fewer and milder nose and sinus troubles.",
    "isi": "Lower scores mean fewer sleep problems.",
    "pss-10": "Lower scores mean less stress.",
    "gad-7": "Lower scores mean fewer signs of anxiety.",
    "phq-9": "Lower scores mean fewer signs of low mood.",
    "jfls-8": "Lower scores mean fewer limits on using your jaw.",
    "jfls-20": "Lower scores mean fewer limits on using your jaw.",
    "psfs": "Higher scores mean the activities you named are easier to do.",
    "pgic": "Lower answers are better: 1 means very much better, 7 very much worse.",
}


@dataclass
class Reading:
    """The caption under a client's curve, and its numbers as a table."""

    caption: str
    rows: list[tuple[dt.date, str]] = field(default_factory=list)
    value_heading: str = "Score"


def better_means(instrument: Instrument) -> str:
    known = BETTER_MEANS.get(instrument.key)
    if known:
        return known
    word = "Lower" if instrument.scoring.higher_is_worse else "Higher"
    return f"{word} scores are better on this measure."


def _amount(instrument: Instrument, value: float) -> str:
    unit = instrument.scoring.unit
    text = rounded(instrument, value)
    if unit in ("points", ""):
        return text
    if unit == "%":
        return f"{text} %"
    return f"{text} {unit}"


def _day(on: dt.date) -> str:
    return f"{on.day} {on:%B %Y}"


def reading(view: MeasureView) -> Reading:
    """What the client's curve shows, in two or three short sentences."""
    instrument = view.instrument
    scoring = instrument.scoring
    sentences = [better_means(instrument)]
    obs = view.observations
    latest, baseline = view.latest, view.baseline
    if scoring.change_measure:
        if latest is not None and obs:
            sentences.append(
                f"Your latest answer, on {_day(obs[-1].on)}, was {rounded(instrument, latest)}."
            )
    elif latest is not None and baseline is not None and view.status != "no_data" and obs:
        change = latest - baseline
        if abs(change) < 10 ** -(scoring.decimals + 1):
            how = f"the same as at the start ({_amount(instrument, baseline)})"
        else:
            word = "down" if change < 0 else "up"
            how = f"{word} from {_amount(instrument, baseline)} at the start"
        if scoring.method == "diary_per_28_days":
            # The summary counts whole 28-day windows; the chart's points are single weeks
            # scaled to 28 days, so "latest" is not the last point and must say so.
            days = scoring.window_days
            sentences.append(
                f"In the last {days} days of your diary, up to {_day(obs[-1].on)}: "
                f"{_amount(instrument, latest)}, {how.replace('at the start', f'in its first {days} days')}. "
                f"Each point on the chart is one week, counted per {days} days."
            )
        else:
            sentences.append(
                f"Your latest result, on {_day(obs[-1].on)}, was {_amount(instrument, latest)}, "
                f"{how}."
            )
        mic = scoring.mic
        if mic.established and view.status in ("improved", "not_yet", "worse"):
            unit = scoring.unit if scoring.unit not in ("%", "") else "points"
            size = {
                "improved": "This change is at least that big.",
                "not_yet": "The change so far is smaller than that.",
                "worse": "This change is at least that big, in the worse direction.",
            }[view.status]
            sentences.append(
                f"A change of {mic.describe(unit)} is about the smallest people usually "
                f"notice. {size}"
            )
    elif len(obs) == 1:
        sentences.append(
            f"So far there is one result: {_amount(instrument, obs[0].value)} on "
            f"{_day(obs[0].on)}. Later answers will show any change."
        )
    elif obs:
        sentences.append(
            f"Your latest result, on {_day(obs[-1].on)}, was {_amount(instrument, obs[-1].value)}. "
            "More answers are needed to compare it with the start."
        )
    rows = [(o.on, rounded(instrument, o.value)) for o in obs]
    unit = scoring.unit
    heading = (
        "Score" if unit in ("points", "") else "Score (%)" if unit == "%" else unit.capitalize()
    )
    return Reading(" ".join(sentences), rows, heading)
