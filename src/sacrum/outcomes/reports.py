"""The practice report: change observed in this practice's clients, by condition and measure.

Computed in the database over ``OutcomeSummary`` (one row per client and measure, kept
current on write), never by loading answers into Python: counts, quartiles (linear
interpolation, the rule of PostgreSQL's ``percentile_cont``, written with window
functions so SQLite runs the same SQL) and the sums a mean and its interval need.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection
from ninja import Schema

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Forbidden
from sacrum.outcomes.definitions import CONDITIONS, shipped_instruments
from sacrum.outcomes.models import OutcomeSummary
from sacrum.outcomes.statistics import t_quantile, wilson_interval

NO_CONTROL_GROUP = (
    "These are changes observed in this practice's clients. There is no control group, "
    "so they do not show what caused the change: people also change with time, with other "
    "care, and because they come when they feel worst."
)
LARGE_LOSS = 0.2  # a share lost to follow-up above which a row says its figures may be optimistic


@dataclass
class ReportRow:
    condition: str
    condition_label: str
    instrument_key: str
    instrument_title: str
    unit: str
    direction: str
    with_baseline: int
    with_follow_up: int
    lost_to_follow_up: int
    responders: int
    worse: int
    responder_share: float | None
    responder_lower: float | None
    responder_upper: float | None
    median_change: float | None
    q1_change: float | None
    q3_change: float | None
    mean_change: float | None
    mean_lower: float | None
    mean_upper: float | None
    mic: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class Report:
    start: dt.date | None
    end: dt.date | None
    rows: list[ReportRow]
    statement: str = NO_CONTROL_GROUP

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "statement": self.statement,
            "rows": [asdict(r) for r in self.rows],
        }


class ReportRowOut(Schema):
    condition: str
    condition_label: str
    instrument_key: str
    instrument_title: str
    unit: str
    direction: str
    with_baseline: int
    with_follow_up: int
    lost_to_follow_up: int
    responders: int
    worse: int
    responder_share: float | None
    responder_lower: float | None
    responder_upper: float | None
    median_change: float | None
    q1_change: float | None
    q3_change: float | None
    mean_change: float | None
    mean_lower: float | None
    mean_upper: float | None
    mic: str
    warnings: list[str]


class ReportOut(Schema):
    start: dt.date | None
    end: dt.date | None
    statement: str
    rows: list[ReportRowOut]


def _quartile_sql(k: int) -> str:
    """The k/4 quantile of ``v`` within a group, by type-7 interpolation, in portable SQL.

    (n - 1) k / 4 in integer arithmetic gives the lower order statistic; the remainder
    (mod 4, written %% for the driver) gives the fraction of the way to the next one.
    """
    lo = f"((n - 1) * {k}) / 4"
    return (
        f"MAX(CASE WHEN rn = {lo} THEN v END) + "
        f"(((n - 1) * {k}) %% 4) / 4.0 * "
        f"(COALESCE(MAX(CASE WHEN rn = {lo} + 1 THEN v END), MAX(CASE WHEN rn = {lo} THEN v END)) "
        f"- MAX(CASE WHEN rn = {lo} THEN v END))"
    )


def report_sql(table: str, *, start: bool = False, end: bool = False) -> str:
    """The report query; a client counts in the period in which their measurement began."""
    period = "".join(
        [
            " AND COALESCE(baseline_on, latest_on) >= %s" if start else "",
            " AND COALESCE(baseline_on, latest_on) <= %s" if end else "",
        ]
    )
    # The table name comes from the model and is quoted; values are bound parameters.
    return f"""
WITH scope AS (
    SELECT condition, instrument_key, change AS v, has_follow_up, status,
           (baseline_value IS NOT NULL OR latest_value IS NOT NULL) AS measured
    FROM {table}
    WHERE clinic_id = %s{period}
),
counts AS (
    SELECT condition, instrument_key,
           SUM(CASE WHEN measured THEN 1 ELSE 0 END) AS with_baseline,
           SUM(CASE WHEN has_follow_up THEN 1 ELSE 0 END) AS with_follow_up,
           SUM(CASE WHEN has_follow_up AND status = 'improved' THEN 1 ELSE 0 END) AS responders,
           SUM(CASE WHEN has_follow_up AND status = 'worse' THEN 1 ELSE 0 END) AS worse,
           SUM(CASE WHEN has_follow_up AND v IS NOT NULL THEN 1 ELSE 0 END) AS n_change,
           SUM(CASE WHEN has_follow_up THEN v END) AS sum_change,
           SUM(CASE WHEN has_follow_up THEN v * v END) AS sum_sq_change
    FROM scope GROUP BY condition, instrument_key
),
ranked AS (
    SELECT condition, instrument_key, v,
           ROW_NUMBER() OVER (PARTITION BY condition, instrument_key ORDER BY v) - 1 AS rn,
           COUNT(*) OVER (PARTITION BY condition, instrument_key) AS n
    FROM scope WHERE has_follow_up AND v IS NOT NULL
),
quartiles AS (
    SELECT condition, instrument_key,
           {_quartile_sql(1)} AS q1, {_quartile_sql(2)} AS median, {_quartile_sql(3)} AS q3
    FROM ranked GROUP BY condition, instrument_key, n
)
SELECT c.condition, c.instrument_key, c.with_baseline, c.with_follow_up, c.responders, c.worse,
       c.n_change, c.sum_change, c.sum_sq_change, q.q1, q.median, q.q3
FROM counts c LEFT JOIN quartiles q
  ON q.condition = c.condition AND q.instrument_key = c.instrument_key
ORDER BY c.condition, c.instrument_key
"""  # noqa: S608


def aggregate(clinic_id: Any, start: dt.date | None, end: dt.date | None) -> list[tuple[Any, ...]]:
    """The report's numbers straight from SQL: one row per condition and measure."""
    table = connection.ops.quote_name(OutcomeSummary._meta.db_table)
    clinic_field = OutcomeSummary._meta.get_field("clinic")
    params: list[Any] = [clinic_field.get_db_prep_value(clinic_id, connection)]
    params += [connection.ops.adapt_datefield_value(d) for d in (start, end) if d is not None]
    with connection.cursor() as cursor:
        cursor.execute(report_sql(table, start=start is not None, end=end is not None), params)
        return list(cursor.fetchall())


def _mean_interval(
    n: int, total: float | None, total_sq: float | None
) -> tuple[float | None, float | None, float | None]:
    if not n or total is None:
        return None, None, None
    mean = total / n
    if n < 2 or total_sq is None:
        return mean, None, None
    variance = max((total_sq - total * total / n) / (n - 1), 0.0)
    half = t_quantile(0.975, n - 1) * math.sqrt(variance / n)
    return mean, mean - half, mean + half


def practice_report(
    actor: Actor, *, start: dt.date | None = None, end: dt.date | None = None
) -> Report:
    if not actor.can("outcome.report"):
        raise Forbidden("The practice report is for clinic owners.")
    assert actor.clinic is not None
    instruments = shipped_instruments()
    rows = []
    for (
        condition,
        key,
        with_baseline,
        with_follow_up,
        responders,
        worse,
        n_change,
        sum_change,
        sum_sq,
        q1,
        median,
        q3,
    ) in aggregate(actor.clinic.pk, start, end):
        instrument = instruments.get(key)
        with_baseline, with_follow_up = int(with_baseline or 0), int(with_follow_up or 0)
        responders, worse, n_change = int(responders or 0), int(worse or 0), int(n_change or 0)
        lost = with_baseline - with_follow_up
        share = lower = upper = None
        no_mic = instrument is not None and not (
            instrument.scoring.mic.established or instrument.scoring.change_measure
        )
        if with_follow_up and not no_mic:
            share = responders / with_follow_up
            lower, upper = wilson_interval(responders, with_follow_up)
        mean, mean_lo, mean_hi = _mean_interval(n_change, sum_change, sum_sq)
        warnings = []
        if with_baseline and lost / with_baseline > LARGE_LOSS:
            warnings.append(
                f"{lost} of {with_baseline} clients ({round(100 * lost / with_baseline)} %) have no "
                "follow-up: if those who stopped did less well, these figures are optimistic."
            )
        if 0 < with_follow_up < 10:
            warnings.append("Fewer than 10 clients with a follow-up: the intervals are wide.")
        if (
            instrument is not None
            and not instrument.scoring.mic.established
            and not instrument.scoring.change_measure
        ):
            warnings.append(
                "No minimal important change is established, so nobody is counted as a responder."
            )
        scoring = instrument.scoring if instrument else None
        rows.append(
            ReportRow(
                condition=condition,
                condition_label=CONDITIONS.get(condition, condition or "Not recorded"),
                instrument_key=key,
                instrument_title=instrument.title if instrument else key,
                unit=scoring.unit if scoring else "",
                direction=("lower is better" if scoring.higher_is_worse else "higher is better")
                if scoring
                else "",
                with_baseline=with_baseline,
                with_follow_up=with_follow_up,
                lost_to_follow_up=lost,
                responders=responders,
                worse=worse,
                responder_share=share,
                responder_lower=lower,
                responder_upper=upper,
                median_change=None if median is None else float(median),
                q1_change=None if q1 is None else float(q1),
                q3_change=None if q3 is None else float(q3),
                mean_change=mean,
                mean_lower=mean_lo,
                mean_upper=mean_hi,
                mic=scoring.mic.describe(scoring.unit) if scoring else "",
                warnings=warnings,
            )
        )
    audit.record(actor, AuditAction.READ, object_type="practice_report")
    return Report(start, end, rows)
