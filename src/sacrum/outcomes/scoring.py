"""The one scoring engine: pure functions from a definition and answers to a score.

Every instrument is scored here from its definition (``definitions.py``); nothing is
special-cased by name. Arithmetic is exact (``Fraction``) so a published rule such as
"total / (5 x sections answered) x 100" gives the published number, not a float near it.
Rules and sources: ``docs/outcomes.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sacrum.outcomes.definitions import Alert, Band, Instrument, Item, number_text
from sacrum.outcomes.statistics import mic_status

MAX_TEXT_ANSWER = 500


class AnswerError(ValueError):
    """Answers that do not fit the definition; ``fields`` maps each item id to the problem."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))


@dataclass(frozen=True)
class Score:
    total: Fraction | None
    domains: dict[str, Fraction] = field(default_factory=dict)
    answered: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    reason: str = ""  # why there is no total
    alerts: tuple[Alert, ...] = ()
    band: Band | None = None

    @property
    def scorable(self) -> bool:
        return self.total is not None

    @property
    def value(self) -> float | None:
        return None if self.total is None else float(self.total)


def _clean_one(item: Item, value: Any) -> Any:
    """One answer in its stored form, or ``ValueError`` with a message for a person."""
    if item.type == "choice":
        code = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
        if code is None or item.option(code) is None:
            allowed = ", ".join(o.code for o in item.options)
            raise ValueError(f"{value!r} is not one of the answers ({allowed})")
        return code
    if item.type in ("integer", "decimal"):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"{value!r} is not a number")
        try:
            number = Fraction(str(value).strip())
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(f"{value!r} is not a number") from exc
        if item.type == "integer" and number.denominator != 1:
            raise ValueError(f"{value!r} is not a whole number")
        low, high = item.value_range()
        if not low <= number <= high:
            raise ValueError(f"must be from {number_text(low)} to {number_text(high)}")
        return int(number) if item.type == "integer" else float(number)
    if item.type == "boolean":
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if item.type == "date":
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise ValueError("must be a date (YYYY-MM-DD)") from exc
    text = str(value).strip()
    if len(text) > MAX_TEXT_ANSWER:
        raise ValueError(f"must be at most {MAX_TEXT_ANSWER} characters")
    return text


def clean_answers(instrument: Instrument, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers keyed by item id, checked against the definition; unanswered items left out.

    Raises ``AnswerError`` naming every bad answer (unknown item, wrong type, out of range).
    """
    items = instrument.item_map
    cleaned: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for link_id, value in answers.items():
        key = str(link_id)
        item = items.get(key)
        if item is None:
            problems[key] = f"{instrument.title} has no item {key!r}"
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            cleaned[key] = _clean_one(item, value)
        except ValueError as exc:
            problems[key] = str(exc)
    if problems:
        raise AnswerError(problems)
    return cleaned


def item_value(instrument: Instrument, link_id: str, answer: Any) -> Fraction:
    """The number an answer scores, before any reversal."""
    item = instrument.item_map[link_id]
    if item.type == "choice":
        option = item.option(str(answer))
        assert option is not None  # clean_answers guarantees it
        return option.value
    if item.type == "boolean":
        return Fraction(1 if answer else 0)
    return Fraction(str(answer))


def _scored_values(instrument: Instrument, cleaned: Mapping[str, Any]) -> dict[str, Fraction]:
    scoring = instrument.scoring
    values: dict[str, Fraction] = {}
    for link_id in scoring.items:
        if link_id in cleaned:
            value = item_value(instrument, link_id, cleaned[link_id])
            if link_id in scoring.reverse_items and scoring.reverse_constant is not None:
                value = scoring.reverse_constant - value
            values[link_id] = value
    return values


def fired_alerts(instrument: Instrument, cleaned: Mapping[str, Any]) -> tuple[Alert, ...]:
    """Alerts raised by single answers (PHQ-9 item 9 above 0), complete form or not."""
    fired = []
    for alert in instrument.scoring.alerts:
        if (
            alert.item in cleaned
            and item_value(instrument, alert.item, cleaned[alert.item]) > alert.above
        ):
            fired.append(alert)
    return tuple(fired)


def _too_many_missing(missing: int, total: int, allowed: int, where: str = "") -> str:
    scope = f" in {where}" if where else ""
    return (
        f"{missing} of {total} items unanswered{scope}; "
        f"{'none' if allowed == 0 else f'at most {allowed}'} may be missing"
    )


def score(instrument: Instrument, answers: Mapping[str, Any]) -> Score:
    """Score one completed questionnaire. Invalid answers raise ``AnswerError``.

    An incomplete form beyond the instrument's missing-answer rule gets no total and says
    why (``reason``); alerts from single answers are raised either way.
    """
    scoring = instrument.scoring
    if scoring.method == "diary_per_28_days":
        raise ValueError(f"{instrument.title} is scored over days: use diary_window()")
    cleaned = clean_answers(instrument, answers)
    values = _scored_values(instrument, cleaned)
    answered = tuple(i for i in scoring.items if i in values)
    missing = tuple(i for i in scoring.items if i not in values)
    alerts = fired_alerts(instrument, cleaned)

    def no_total(reason: str) -> Score:
        return Score(None, {}, answered, missing, reason, alerts)

    if scoring.method == "domains":
        domains: dict[str, Fraction] = {}
        for domain in scoring.domains:
            got = [values[i] for i in domain.items if i in values]
            lacking = len(domain.items) - len(got)
            allowed = domain.max_missing if scoring.missing_rule == "domain_scaling" else 0
            if lacking > allowed:
                return no_total(
                    _too_many_missing(lacking, len(domain.items), allowed, domain.label)
                )
            domain_sum = sum(got, Fraction(0)) * Fraction(len(domain.items), len(got))
            domains[domain.id] = domain_sum / domain.divisor
        total = sum(domains.values(), Fraction(0))
        return Score(total, domains, answered, missing, "", alerts, instrument.band_for(total))

    n = len(scoring.items)
    if len(missing) > scoring.max_missing:
        return no_total(_too_many_missing(len(missing), n, scoring.max_missing))
    got_sum = sum(values.values(), Fraction(0))
    count = len(values)
    if scoring.method == "sum":
        total = got_sum * Fraction(n, count) if missing else got_sum  # mean substitution
    elif scoring.method == "mean":
        total = got_sum / count
    else:  # percent_of_maximum
        low, high = instrument.item(scoring.items[0]).value_range()
        total = (got_sum - count * low) / (count * (high - low)) * 100
    return Score(total, {}, answered, missing, "", alerts, instrument.band_for(total))


def rounded(instrument: Instrument, value: Fraction | float | None) -> str:
    """A score as shown: the instrument's decimals, no trailing zeros beyond them."""
    if value is None:
        return "—"
    places = instrument.scoring.decimals
    number = float(value)
    return f"{number:.{places}f}" if places else f"{round(number):d}"


# --- The headache diary ---------------------------------------------------------------


@dataclass(frozen=True)
class DiaryDay:
    day: dt.date
    headache: bool
    medication: bool
    peak: int | None = None


@dataclass(frozen=True)
class DiaryWindow:
    start: dt.date
    end: dt.date
    days_recorded: int
    headache_days: int
    medication_days: int
    min_days: int
    window_days: int

    @property
    def enough(self) -> bool:
        return self.days_recorded >= self.min_days

    def _per_window(self, count: int) -> Fraction | None:
        if not self.enough:
            return None
        return Fraction(count * self.window_days, self.days_recorded)

    @property
    def headache_days_per_28(self) -> Fraction | None:
        """Headache days scaled to the window by the days actually recorded."""
        return self._per_window(self.headache_days)

    @property
    def medication_days_per_28(self) -> Fraction | None:
        return self._per_window(self.medication_days)


def diary_window(
    days: Iterable[DiaryDay], end: dt.date, *, window_days: int = 28, min_days: int = 20
) -> DiaryWindow:
    """Headache and medication days in the ``window_days`` ending on ``end`` (inclusive)."""
    start = end - dt.timedelta(days=window_days - 1)
    by_day: dict[dt.date, DiaryDay] = {}
    for entry in days:
        if start <= entry.day <= end:
            if entry.day in by_day:
                raise ValueError(f"two diary entries for {entry.day.isoformat()}")
            by_day[entry.day] = entry
    return DiaryWindow(
        start=start,
        end=end,
        days_recorded=len(by_day),
        headache_days=sum(1 for e in by_day.values() if e.headache),
        medication_days=sum(1 for e in by_day.values() if e.medication),
        min_days=min_days,
        window_days=window_days,
    )


def diary_score(instrument: Instrument, days: Iterable[DiaryDay], end: dt.date) -> DiaryWindow:
    scoring = instrument.scoring
    return diary_window(
        days, end, window_days=scoring.window_days, min_days=scoring.min_days_recorded
    )


# --- Change against the minimal important change --------------------------------------


def change_status(
    instrument: Instrument, baseline: Fraction | float | None, latest: Fraction | float | None
) -> str:
    """'improved', 'not_yet', 'worse', or 'no_mic' (none established) / 'no_data'.

    A change measure (PGIC) is read from its band; every other measure compares the
    latest score with the baseline against the instrument's MIC, absolute or relative.
    """
    scoring = instrument.scoring
    if latest is None:
        return "no_data"
    if scoring.change_measure:
        band = instrument.band_for(latest)
        return band.status if band and band.status else "no_mic"
    if baseline is None:
        return "no_data"
    if not scoring.mic.established:
        return "no_mic"
    return mic_status(
        float(baseline),
        float(latest),
        higher_is_worse=scoring.higher_is_worse,
        mic_absolute=None if scoring.mic.absolute is None else float(scoring.mic.absolute),
        mic_relative=None if scoring.mic.relative is None else float(scoring.mic.relative),
    )
