"""Writes for treatment plans: role-checked (``clinical.edit``), validated, audited.

Creating a plan *proposes* two things and books nothing: the recurring series of
appointments that follows the plan's taper (``propose_series`` → the practitioner
confirms with ``confirm_series``), and the measurement schedule (the instruments that
suit the client's conditions, at baseline, every N sessions, at discharge and at a
follow-up), which the worker then carries out (``plans.periodic``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.changes import refuse_nulls
from sacrum.access.models import AuditAction
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Location, Membership, Room
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.permissions import require
from sacrum.outcomes.definitions import shipped_instruments
from sacrum.outcomes.models import InstrumentDefinition
from sacrum.outcomes.services import DIARY_KEY, ensure_definitions
from sacrum.plans import measurements
from sacrum.plans.models import (
    DischargeReason,
    GoalTarget,
    Measurement,
    Plan,
    PlanGoal,
    PlanMeasure,
    PlanReview,
    PlanStatus,
)
from sacrum.scheduling.models import Appointment, Series, ServiceType
from sacrum.scheduling.services import series as series_services

# The client record's conditions -> questionnaires that suit them (domain/instruments.md).
CONDITION_MEASURES: dict[str, list[str]] = {
    "migraine_headache": ["hit-6"],
    "neck_pain": ["ndi"],
    "back_pain": ["odi"],
    "tmj": ["jfls-8"],
    "sinus": ["snot-22"],
    "fibromyalgia": ["fiqr"],
    "sleep": ["isi"],
    "stress_anxiety": ["gad-7"],
}
ALWAYS_MEASURED = "pain-nrs"
DEFAULT_EVERY_N = 3
DEFAULT_FOLLOW_UP_DAYS = 91  # about three months after discharge
MAX_GOALS = 8
PLAN_FIELDS = ("conditions", "phases", "planned_sessions", "review_every_weeks", "next_review_on")


@dataclass(frozen=True)
class GoalData:
    text: str
    instrument_key: str
    target_kind: str = GoalTarget.MIC
    target_value: float | None = None


@dataclass(frozen=True)
class MeasureData:
    instrument_key: str
    baseline: bool = True
    every_n_sessions: int | None = DEFAULT_EVERY_N
    at_discharge: bool = True
    follow_up_days: int | None = DEFAULT_FOLLOW_UP_DAYS


def clinic_zone(clinic: Clinic) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(clinic.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_today(clinic: Clinic) -> dt.date:
    return timezone.localtime(timezone.now(), clinic_zone(clinic)).date()


def proposed_measures(conditions: Iterable[str]) -> list[MeasureData]:
    """Pain 0-10 for everyone, plus each condition's questionnaire (a proposal to edit)."""
    keys = [ALWAYS_MEASURED]
    for condition in conditions:
        keys += [k for k in CONDITION_MEASURES.get(condition, []) if k not in keys]
    return [MeasureData(instrument_key=k) for k in keys]


def instrument_titles(clinic: Clinic) -> dict[str, str]:
    """Every measure the clinic can use, by key (the shipped ones are added on first use)."""
    ensure_definitions(clinic)
    titles = {key: i.title for key, i in shipped_instruments().items()}
    for key, title in InstrumentDefinition.objects.filter(clinic=clinic).values_list(
        "key", "title"
    ):
        titles[key] = title
    return titles


def _check_client(actor: Actor, client: Client) -> None:
    if actor.clinic is None or client.clinic_id != actor.clinic.pk:
        raise ValidationError({"client": "This client belongs to another clinic."})


def _check_practitioner(actor: Actor, member: Membership | None) -> Membership:
    chosen = member or actor.member
    if (
        chosen is None
        or actor.clinic is None
        or chosen.clinic_id != actor.clinic.pk
        or not chosen.can("clinical.edit")
    ):
        raise ValidationError({"practitioner": "Choose a practitioner of this clinic."})
    return chosen


def counted_sessions(phases: Sequence[Mapping[str, Any]]) -> int | None:
    """Sessions the taper gives, or None when the last phase runs on without a count."""
    total = 0
    for phase in phases:
        count = phase.get("count") if isinstance(phase, Mapping) else None
        if count is None:
            return None
        total += int(count)
    return total


def _validate_goals(clinic: Clinic, goals: Sequence[GoalData]) -> list[PlanGoal]:
    if len(goals) > MAX_GOALS:
        raise ValidationError({"goals": f"At most {MAX_GOALS} goals."})
    known = instrument_titles(clinic)
    instruments = shipped_instruments()
    problems: list[str] = []
    made = []
    for n, goal in enumerate(goals, start=1):
        text = (goal.text or "").strip()
        if not text:
            problems.append(f"Goal {n}: write the goal in the client's words.")
        elif len(text) > 300:
            problems.append(f"Goal {n}: keep it under 300 characters.")
        if goal.instrument_key not in known:
            problems.append(f"Goal {n}: choose a measure to follow it.")
            continue
        if goal.target_kind not in GoalTarget.values:
            problems.append(f"Goal {n}: the target is a minimal important change or a score.")
            continue
        value = goal.target_value
        if goal.target_kind == GoalTarget.VALUE:
            scoring = (
                instruments[goal.instrument_key].scoring
                if goal.instrument_key in instruments
                else None
            )
            if value is None:
                problems.append(f"Goal {n}: give the score to reach.")
            elif scoring and not float(scoring.range_min) <= value <= float(scoring.range_max):
                problems.append(
                    f"Goal {n}: the score runs from {float(scoring.range_min):g} "
                    f"to {float(scoring.range_max):g}."
                )
        elif value is not None:
            value = None  # a MIC target has no score of its own
        made.append(
            PlanGoal(
                position=n,
                text=text,
                instrument_key=goal.instrument_key,
                target_kind=goal.target_kind,
                target_value=value,
            )
        )
    if problems:
        raise ValidationError({"goals": problems})
    return made


def _validate_measures(clinic: Clinic, measures: Sequence[MeasureData]) -> list[PlanMeasure]:
    known = instrument_titles(clinic)
    problems: list[str] = []
    made: list[PlanMeasure] = []
    seen: set[str] = set()
    for measure in measures:
        key = measure.instrument_key
        if key == DIARY_KEY:
            problems.append(
                "The headache diary is kept daily: set a diary reminder instead of a schedule."
            )
            continue
        if key not in known:
            problems.append(f"Unknown measure “{key[:40]}”.")
            continue
        if key in seen:
            problems.append(f"{known[key]} is listed twice.")
            continue
        seen.add(key)
        n = measure.every_n_sessions
        if n is not None and not 1 <= n <= 52:
            problems.append(f"{known[key]}: every 1 to 52 sessions.")
        days = measure.follow_up_days
        if days is not None and not 7 <= days <= 730:
            problems.append(f"{known[key]}: a follow-up 7 to 730 days after discharge.")
        if not (measure.baseline or n or measure.at_discharge or days):
            problems.append(f"{known[key]}: choose at least one time to measure.")
        made.append(
            PlanMeasure(
                instrument_key=key,
                baseline=measure.baseline,
                every_n_sessions=n,
                at_discharge=measure.at_discharge,
                follow_up_days=days,
            )
        )
    if problems:
        raise ValidationError({"measures": problems})
    return made


def _full_clean(plan: Plan) -> None:
    plan.full_clean(
        exclude=("clinic", "client", "practitioner", "series", "created_by", "discharged_by"),
        validate_constraints=False,
    )
    if plan.planned_sessions is None:
        raise ValidationError(
            {"planned_sessions": "Give the planned number of sessions (the taper runs on)."}
        )


@transaction.atomic
def create_plan(
    *,
    actor: Actor,
    client: Client,
    phases: list[dict[str, Any]],
    practitioner: Membership | None = None,
    conditions: list[str] | None = None,
    planned_sessions: int | None = None,
    start_date: dt.date | None = None,
    review_every_weeks: int | None = 6,
    goals: Sequence[GoalData] = (),
    measures: Sequence[MeasureData] | None = None,
) -> Plan:
    """A new active plan; its baseline measurements become due at once."""
    require(actor, "clinical.edit")
    _check_client(actor, client)
    member = _check_practitioner(actor, practitioner)
    clinic = client.clinic
    start = start_date or local_today(clinic)
    plan = Plan(  # type: ignore[misc]  # planned_sessions may be None: _full_clean says so
        clinic=clinic,
        client=client,
        practitioner=member,
        conditions=list(client.conditions or []) if conditions is None else conditions,
        phases=phases,
        planned_sessions=planned_sessions
        or counted_sessions(phases if isinstance(phases, list) else []),
        start_date=start,
        review_every_weeks=review_every_weeks,
        next_review_on=start + dt.timedelta(weeks=review_every_weeks)
        if review_every_weeks
        else None,
        created_by=actor.user,
    )
    _full_clean(plan)
    made_goals = _validate_goals(clinic, goals)
    made_measures = _validate_measures(
        clinic, proposed_measures(plan.conditions) if measures is None else measures
    )
    if Plan.objects.filter(client=client, status=PlanStatus.ACTIVE).exists():
        raise Conflict(
            "This client already has an active plan: review or discharge it first.",
            {"client": "Has an active plan."},
        )
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:
        raise Conflict(
            "This client already has an active plan: review or discharge it first.",
            {"client": "Has an active plan."},
        ) from exc
    for goal in made_goals:
        goal.plan = plan
    PlanGoal.objects.bulk_create(made_goals)
    for m in made_measures:
        m.plan = plan
    PlanMeasure.objects.bulk_create(made_measures)
    audit.record(actor, AuditAction.CREATE, plan)
    measurements.open_baselines(plan, timezone.now())
    return plan


def _closed(plan: Plan) -> None:
    if not plan.is_active:
        raise ValidationError({"status": "This plan was discharged; start a new plan instead."})


@transaction.atomic
def update_plan(
    *,
    actor: Actor,
    plan: Plan,
    data: Mapping[str, Any],
    goals: Sequence[GoalData] | None = None,
    practitioner: Membership | None = None,
) -> Plan:
    """Change an active plan's conditions, taper, sessions, reviews, goals or practitioner."""
    require(actor, "clinical.edit")
    _closed(plan)
    unknown = sorted(set(data) - set(PLAN_FIELDS))
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    refuse_nulls(plan, data)
    for name, value in data.items():
        setattr(plan, name, value)
    if "phases" in data and "planned_sessions" not in data:
        plan.planned_sessions = counted_sessions(plan.phases) or plan.planned_sessions
    if practitioner is not None:
        plan.practitioner = _check_practitioner(actor, practitioner)
    _full_clean(plan)
    made_goals = _validate_goals(plan.clinic, goals) if goals is not None else None
    plan.save()
    if made_goals is not None:
        plan.goals.all().delete()
        for goal in made_goals:
            goal.plan = plan
        PlanGoal.objects.bulk_create(made_goals)
    audit.record(actor, AuditAction.UPDATE, plan)
    return plan


@transaction.atomic
def set_schedule(*, actor: Actor, plan: Plan, measures: Sequence[MeasureData]) -> list[PlanMeasure]:
    """Replace the measurement schedule. Measurements already sent or done stay; those not
    yet sent for a measure taken out are withdrawn; a new measure's baseline is due now."""
    require(actor, "clinical.edit")
    made = _validate_measures(plan.clinic, measures)
    keys = {m.instrument_key for m in made}
    Measurement.objects.filter(plan=plan, sent_at__isnull=True, done_at__isnull=True).exclude(
        instrument_key__in=keys
    ).delete()
    plan.measures.all().delete()
    for m in made:
        m.plan = plan
    PlanMeasure.objects.bulk_create(made)
    audit.record(actor, AuditAction.UPDATE, plan, object_type="plan_schedule")
    if plan.is_active:
        measurements.open_baselines(plan, timezone.now())
    return list(plan.measures.all())


@transaction.atomic
def record_review(
    *,
    actor: Actor,
    plan: Plan,
    note: str = "",
    reviewed_on: dt.date | None = None,
    next_review_on: dt.date | None = None,
) -> PlanReview:
    """A review with the client; the next review is set (default: the plan's interval)."""
    require(actor, "clinical.edit")
    _closed(plan)
    today = local_today(plan.clinic)
    on = reviewed_on or today
    if on > today:
        raise ValidationError(
            {"reviewed_on": "A review is recorded on or after the day it happens."}
        )
    if on < plan.start_date:
        raise ValidationError({"reviewed_on": "The review is before the plan started."})
    if next_review_on is None and plan.review_every_weeks:
        next_review_on = on + dt.timedelta(weeks=plan.review_every_weeks)
    if next_review_on is not None and next_review_on <= on:
        raise ValidationError({"next_review_on": "The next review comes after this one."})
    review = PlanReview(
        plan=plan,
        reviewed_on=on,
        note=(note or "").strip(),
        next_review_on=next_review_on,
        reviewed_by=actor.user,
    )
    review.full_clean(exclude=("plan", "reviewed_by"))
    review.save()
    plan.next_review_on = next_review_on
    plan.save(update_fields=("next_review_on", "updated_at"))
    audit.record(actor, AuditAction.CREATE, review, clinic=plan.clinic)
    return review


@transaction.atomic
def discharge(
    *,
    actor: Actor,
    plan: Plan,
    reason: str,
    summary: str = "",
    discharged_on: dt.date | None = None,
    cancel_remaining: bool = False,
) -> Plan:
    """Close the plan with its summary; the discharge and follow-up measurements become due.

    ``cancel_remaining`` cancels the plan's series appointments after the discharge day.
    """
    require(actor, "clinical.edit")
    _closed(plan)
    today = local_today(plan.clinic)
    on = discharged_on or today
    if reason not in DischargeReason.values:
        raise ValidationError({"reason": "Choose why the plan ends."})
    if on > today:
        raise ValidationError({"discharged_on": "The discharge date cannot be in the future."})
    if on < plan.start_date:
        raise ValidationError({"discharged_on": "The discharge date is before the plan started."})
    if len(summary or "") > 4000:
        raise ValidationError({"summary": "Keep the summary under 4000 characters."})
    plan.status = PlanStatus.DISCHARGED
    plan.discharged_on = on
    plan.discharge_reason = reason
    plan.discharge_summary = (summary or "").strip()
    plan.discharged_by = actor.user
    plan.next_review_on = None
    plan.save()
    audit.record(actor, AuditAction.UPDATE, plan, object_type="plan_discharge")
    measurements.open_discharge(plan, timezone.now())
    if cancel_remaining and plan.series_id:
        series = Series.objects.get(pk=plan.series_id)
        tz = clinic_zone(plan.clinic)
        after = dt.datetime.combine(on + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
        series_services.cancel_series(
            actor=actor, series=series, from_start=max(after, timezone.now()), reason="Plan ended"
        )
    return plan


# --- Series --------------------------------------------------------------------------


def series_phases(plan: Plan) -> list[dict[str, Any]]:
    """The taper cut to the planned number of sessions (an open last phase gets the rest)."""
    left = plan.planned_sessions
    result = []
    for phase in plan.phases:
        if left <= 0:
            break
        count = phase.get("count")
        take = left if count is None else min(int(count), left)
        result.append({"rule": phase["rule"], "count": take})
        left -= take
    return result


@dataclass(frozen=True)
class SeriesChoice:
    service: ServiceType
    location: Location
    first_date: dt.date
    local_time: dt.time
    room: Room | None = None


def _series_request(plan: Plan, choice: SeriesChoice) -> series_services.SeriesRequest:
    if choice.service.clinic_id != plan.clinic_id or choice.location.clinic_id != plan.clinic_id:
        raise ValidationError({"service": "Choose a service and location of this clinic."})
    return series_services.SeriesRequest(
        client=plan.client,
        practitioner=plan.practitioner,
        service=choice.service,
        location=choice.location,
        room=choice.room,
        first_date=choice.first_date,
        local_time=choice.local_time,
        phases=series_phases(plan),
        note="Treatment plan",
    )


def propose_series(
    *, actor: Actor, plan: Plan, choice: SeriesChoice
) -> list[series_services.Occurrence]:
    """Every appointment the taper gives, free or not (with nearest alternatives). Books nothing."""
    require(actor, "clinical.edit")
    _closed(plan)
    _series, occurrences = series_services.plan_series(
        actor=actor, request=_series_request(plan, choice)
    )
    return occurrences


def _has_open_series(plan: Plan) -> bool:
    if plan.series_id is None:
        return False
    return Appointment.objects.filter(
        series_id=plan.series_id,
        start__gte=timezone.now(),
        status__in=("requested", "booked", "confirmed"),
    ).exists()


@transaction.atomic
def confirm_series(
    *,
    actor: Actor,
    plan: Plan,
    choice: SeriesChoice,
    starts: list[dt.datetime] | None = None,
) -> tuple[Series, list[Appointment]]:
    """Book the proposal: the chosen starts, or every proposed one when all are free.

    Without a choice and with any time not free, nothing is booked and the conflict
    (409) names those times, so the practitioner picks alternatives first.
    """
    require(actor, "clinical.edit")
    _closed(plan)
    if _has_open_series(plan):
        raise Conflict(
            "This plan already has booked appointments; cancel that series first.",
            {"series": "Already booked."},
        )
    request = _series_request(plan, choice)
    if starts is None:
        _series, occurrences = series_services.plan_series(actor=actor, request=request)
        busy = [o for o in occurrences if not o.free]
        if busy:
            tz = clinic_zone(plan.clinic)
            labels = ", ".join(
                f"{timezone.localtime(o.start, tz):%a %d %b %H:%M}" for o in busy[:5]
            )
            more = f" and {len(busy) - 5} more" if len(busy) > 5 else ""
            raise Conflict(
                f"{len(busy)} of {len(occurrences)} proposed times are not free ({labels}{more}). "
                "Choose alternatives, or leave those out.",
                {"occurrences": f"{len(busy)} not free."},
            )
    series, booked = series_services.create_series(actor=actor, request=request, starts=starts)
    plan.series = series
    plan.save(update_fields=("series", "updated_at"))
    audit.record(actor, AuditAction.UPDATE, plan, object_type="plan_series")
    return series, booked


# --- Measurements by hand -------------------------------------------------------------


@transaction.atomic
def skip_measurement(*, actor: Actor, measurement: Measurement) -> Measurement:
    """Leave a due measurement out (e.g. the client declined); an open link is closed."""
    require(actor, "clinical.edit")
    if measurement.done_at is not None:
        raise ValidationError({"measurement": "This measurement is already done."})
    if measurement.skipped_at is None:
        now = timezone.now()
        Measurement.objects.filter(pk=measurement.pk).update(skipped_at=now)
        measurement.skipped_at = now
        measurements.close_links(measurement, now)
        audit.record(actor, AuditAction.UPDATE, measurement)
    return measurement


def send_measurement_now(*, actor: Actor, measurement: Measurement) -> Measurement:
    """E-mail the link now (a due measurement not sent yet), in the actor's name."""
    require(actor, "clinical.edit")
    if measurement.done_at or measurement.skipped_at:
        raise ValidationError({"measurement": "This measurement is closed."})
    if measurement.sent_at is not None:
        raise Conflict("The link was already e-mailed.", {"measurement": "Already sent."})
    if not measurements.send(measurement, timezone.now(), actor=actor):
        measurement.refresh_from_db()
        if measurement.sent_at is None:
            raise ValidationError({"measurement": measurement.problem or "Could not send."})
        raise Conflict("The link was already e-mailed.", {"measurement": "Already sent."})
    measurement.refresh_from_db()
    return measurement
