"""/api/v1 treatment plans: CRUD, review, discharge, the proposed series and its
confirmation, the measurement schedule, and the client's diary reminder.

Every route is clinical (``x-sacrum-clinical``): refused to the front desk.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from sacrum.clients.selectors import client_for
from sacrum.kernel.api import actor_of
from sacrum.kernel.errors import Forbidden
from sacrum.kernel.fields import Day, LocalTime, Moment
from sacrum.outcomes import reminders
from sacrum.outcomes.models import DiaryReminder
from sacrum.plans import selectors, services
from sacrum.plans.models import DischargeReason, GoalTarget, Measurement, Plan, taper_text
from sacrum.scheduling import selectors as scheduling_selectors
from sacrum.scheduling.local_time import aware, local, zone
from sacrum.scheduling.models.series import Rule

router = Router(tags=["plans"])

CLINICAL = {"x-sacrum-clinical": True}


class PlanPhaseIn(Schema):
    rule: Rule
    count: int | None = Field(
        6, ge=1, le=52, description="Sessions in this phase; null on the last: until planned."
    )


class GoalIn(Schema):
    text: str = Field(min_length=1, max_length=300, description="In the client's words.")
    instrument_key: str = Field(max_length=63, description="The measure that follows it.")
    target_kind: GoalTarget = GoalTarget.MIC
    target_value: float | None = None


class MeasureIn(Schema):
    instrument_key: str = Field(max_length=63)
    baseline: bool = True
    every_n_sessions: int | None = Field(services.DEFAULT_EVERY_N, ge=1, le=52)
    at_discharge: bool = True
    follow_up_days: int | None = Field(services.DEFAULT_FOLLOW_UP_DAYS, ge=7, le=730)


class PlanIn(Schema):
    phases: list[PlanPhaseIn] = Field(min_length=1, max_length=5)
    practitioner_id: uuid.UUID | None = Field(None, description="A membership; default: you.")
    conditions: list[str] | None = Field(None, description="Default: the client record's.")
    planned_sessions: int | None = Field(None, ge=1, le=104)
    start_date: Day | None = None
    review_every_weeks: int | None = Field(6, ge=1, le=52)
    goals: list[GoalIn] = Field(default_factory=list, max_length=services.MAX_GOALS)
    measures: list[MeasureIn] | None = Field(
        None, description="Default: the proposal for the client's conditions."
    )


class PlanPatch(Schema):
    phases: list[PlanPhaseIn] | None = Field(None, min_length=1, max_length=5)
    practitioner_id: uuid.UUID | None = None
    conditions: list[str] | None = None
    planned_sessions: int | None = Field(None, ge=1, le=104)
    review_every_weeks: int | None = Field(None, ge=1, le=52)
    next_review_on: Day | None = None
    goals: list[GoalIn] | None = Field(None, max_length=services.MAX_GOALS)


class GoalOut(Schema):
    id: uuid.UUID
    text: str
    instrument_key: str
    target_kind: str
    target_value: float | None
    target: str
    baseline: float | None
    latest: float | None
    latest_on: dt.date | None
    status: str


class PlanMeasureOut(Schema):
    instrument_key: str
    baseline: bool
    every_n_sessions: int | None
    at_discharge: bool
    follow_up_days: int | None


class PlanOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    practitioner_id: uuid.UUID
    status: str
    conditions: list[str]
    phases: list[dict[str, Any]]
    taper: str
    planned_sessions: int
    sessions_attended: int
    start_date: dt.date
    review_every_weeks: int | None
    next_review_on: dt.date | None
    series_id: uuid.UUID | None
    discharged_on: dt.date | None
    discharge_reason: str
    discharge_summary: str
    goals: list[GoalOut]
    measures: list[PlanMeasureOut]


class DischargeIn(Schema):
    reason: DischargeReason
    summary: str = Field("", max_length=4000)
    discharged_on: Day | None = Field(None, description="Default: today.")
    cancel_remaining: bool = Field(False, description="Cancel the series after that day.")


class ReviewIn(Schema):
    note: str = Field("", max_length=4000)
    reviewed_on: Day | None = None
    next_review_on: Day | None = None


class ReviewOut(Schema):
    id: uuid.UUID
    reviewed_on: dt.date
    note: str
    next_review_on: dt.date | None


class SeriesChoiceIn(Schema):
    service_id: uuid.UUID
    location_id: uuid.UUID
    first_date: Day
    local_time: LocalTime
    room_id: uuid.UUID | None = None


class SeriesConfirmIn(SeriesChoiceIn):
    occurrences: list[Moment] | None = Field(
        None,
        description="The starts chosen after the proposal (local or with an offset); "
        "default: every proposed time, if all are free.",
    )


class PlanOccurrenceOut(Schema):
    start: dt.datetime
    local_start: dt.datetime
    free: bool
    problem: str
    alternatives: list[dt.datetime]


class ProposalOut(Schema):
    time_zone: str
    taper: str
    conflicts: int
    occurrences: list[PlanOccurrenceOut]


class SeriesBookedOut(Schema):
    series_id: uuid.UUID
    appointments: int
    first_start: dt.datetime | None
    last_start: dt.datetime | None


class MeasurementOut(Schema):
    id: uuid.UUID
    instrument_key: str
    occasion: str
    sequence: int
    due_at: dt.datetime
    state: str
    sent_at: dt.datetime | None
    reminded_at: dt.datetime | None
    done_at: dt.datetime | None
    response_id: uuid.UUID | None
    problem: str


class ScheduleIn(Schema):
    measures: list[MeasureIn] = Field(max_length=12)


class DiaryReminderIn(Schema):
    local_time: LocalTime = Field(description="When the client wants the e-mail, local time.")
    time_zone: str = Field("", max_length=64, description="Default: the clinic's.")
    active: bool = True
    until: Day | None = None


class DiaryReminderOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    local_time: LocalTime
    time_zone: str
    active: bool
    until: dt.date | None


def _goals(items: list[GoalIn]) -> list[services.GoalData]:
    return [services.GoalData(**g.dict()) for g in items]


def _measures(items: list[MeasureIn]) -> list[services.MeasureData]:
    return [services.MeasureData(**m.dict()) for m in items]


def _plan_out(plan: Plan) -> dict[str, Any]:
    progress = selectors.progress(plan)
    return {
        **{
            f: getattr(plan, f)
            for f in (
                "id",
                "client_id",
                "practitioner_id",
                "status",
                "conditions",
                "phases",
                "planned_sessions",
                "start_date",
                "review_every_weeks",
                "next_review_on",
                "series_id",
                "discharged_on",
                "discharge_reason",
                "discharge_summary",
            )
        },
        "taper": plan.taper_text,
        "sessions_attended": progress.sessions_attended,
        "goals": [
            {
                "id": v.goal.id,
                "text": v.goal.text,
                "instrument_key": v.goal.instrument_key,
                "target_kind": v.goal.target_kind,
                "target_value": v.goal.target_value,
                "target": v.target_text,
                "baseline": v.baseline,
                "latest": v.latest,
                "latest_on": v.latest_on,
                "status": v.status,
            }
            for v in progress.goals
        ],
        "measures": list(plan.measures.all()),
    }


def _member(request: HttpRequest, member_id: uuid.UUID | None) -> Any:
    if member_id is None:
        return None
    return scheduling_selectors.pick_practitioner(actor_of(request), member_id)


@router.get("/clients/{client_id}/plans", response=list[PlanOut], openapi_extra=CLINICAL)
def list_plans(request: HttpRequest, client_id: uuid.UUID) -> Any:
    actor = actor_of(request)
    selectors.require_plans(actor)
    client = client_for(actor, client_id)
    return [_plan_out(p) for p in selectors.plans_for_client(actor, client)]


@router.post("/clients/{client_id}/plans", response={201: PlanOut}, openapi_extra=CLINICAL)
def create_plan(
    request: HttpRequest, client_id: uuid.UUID, payload: PlanIn
) -> Status[dict[str, Any]]:
    """A new active plan (409 when the client has one). Its measurement schedule is the
    proposal for the client's conditions unless ``measures`` is given; the series is
    proposed next (``POST /plans/{plan_id}/series/preview``)."""
    actor = actor_of(request)
    selectors.require_plans(actor, "edit")
    client = client_for(actor, client_id, audited=False)
    plan = services.create_plan(
        actor=actor,
        client=client,
        phases=[p.dict(exclude_none=True) for p in payload.phases],
        practitioner=_member(request, payload.practitioner_id),
        conditions=payload.conditions,
        planned_sessions=payload.planned_sessions,
        start_date=payload.start_date,
        review_every_weeks=payload.review_every_weeks,
        goals=_goals(payload.goals),
        measures=None if payload.measures is None else _measures(payload.measures),
    )
    return Status(201, _plan_out(plan))


@router.get("/plans/{plan_id}", response=PlanOut, openapi_extra=CLINICAL)
def get_plan(request: HttpRequest, plan_id: uuid.UUID) -> Any:
    return _plan_out(selectors.plan_for(actor_of(request), plan_id))


@router.patch("/plans/{plan_id}", response=PlanOut, openapi_extra=CLINICAL)
def update_plan(request: HttpRequest, plan_id: uuid.UUID, payload: PlanPatch) -> Any:
    actor = actor_of(request)
    plan = selectors.plan_for(actor, plan_id, audited=False)
    data = payload.dict(exclude_unset=True, exclude={"goals", "practitioner_id"})
    if "phases" in data:
        data["phases"] = [p.dict(exclude_none=True) for p in payload.phases or []]
    services.update_plan(
        actor=actor,
        plan=plan,
        data=data,
        goals=None if payload.goals is None else _goals(payload.goals),
        practitioner=_member(request, payload.practitioner_id),
    )
    return _plan_out(plan)


@router.post("/plans/{plan_id}/discharge", response=PlanOut, openapi_extra=CLINICAL)
def discharge_plan(request: HttpRequest, plan_id: uuid.UUID, payload: DischargeIn) -> Any:
    """End the plan with its summary; discharge and follow-up measurements become due."""
    actor = actor_of(request)
    plan = selectors.plan_for(actor, plan_id, audited=False)
    services.discharge(
        actor=actor,
        plan=plan,
        reason=payload.reason,
        summary=payload.summary,
        discharged_on=payload.discharged_on,
        cancel_remaining=payload.cancel_remaining,
    )
    return _plan_out(plan)


@router.post("/plans/{plan_id}/reviews", response={201: ReviewOut}, openapi_extra=CLINICAL)
def review_plan(request: HttpRequest, plan_id: uuid.UUID, payload: ReviewIn) -> Status[Any]:
    actor = actor_of(request)
    plan = selectors.plan_for(actor, plan_id, audited=False)
    review = services.record_review(
        actor=actor,
        plan=plan,
        note=payload.note,
        reviewed_on=payload.reviewed_on,
        next_review_on=payload.next_review_on,
    )
    return Status(201, review)


def _choice(request: HttpRequest, payload: SeriesChoiceIn) -> services.SeriesChoice:
    actor = actor_of(request)
    return services.SeriesChoice(
        service=scheduling_selectors.pick_service(actor, payload.service_id),
        location=scheduling_selectors.pick_location(actor, payload.location_id),
        room=scheduling_selectors.pick_room(actor, payload.room_id),
        first_date=payload.first_date,
        local_time=payload.local_time,
    )


@router.post("/plans/{plan_id}/series/preview", response=ProposalOut, openapi_extra=CLINICAL)
def propose_series(request: HttpRequest, plan_id: uuid.UUID, payload: SeriesChoiceIn) -> Any:
    """The appointments the plan's taper gives from a first date and time, each free or
    not (why), with the nearest free alternatives. Books nothing."""
    actor = actor_of(request)
    plan = selectors.plan_for(actor, plan_id, audited=False)
    choice = _choice(request, payload)
    occurrences = services.propose_series(actor=actor, plan=plan, choice=choice)
    tz = zone(choice.location.time_zone)
    return {
        "time_zone": choice.location.time_zone,
        "taper": taper_text(services.series_phases(plan)),
        "conflicts": sum(not o.free for o in occurrences),
        "occurrences": [
            {
                "start": o.start,
                "local_start": local(o.start, tz),
                "free": o.free,
                "problem": o.problem,
                "alternatives": o.alternatives,
            }
            for o in occurrences
        ],
    }


@router.post("/plans/{plan_id}/series", response={201: SeriesBookedOut}, openapi_extra=CLINICAL)
def confirm_series(
    request: HttpRequest, plan_id: uuid.UUID, payload: SeriesConfirmIn
) -> Status[dict[str, Any]]:
    """Book the proposal — all of it, or none (409 naming the times that are not free)."""
    actor = actor_of(request)
    plan = selectors.plan_for(actor, plan_id, audited=False)
    choice = _choice(request, payload)
    starts = None
    if payload.occurrences is not None:
        tz = zone(choice.location.time_zone)
        starts = [aware(s, tz) for s in payload.occurrences]
    series, booked = services.confirm_series(actor=actor, plan=plan, choice=choice, starts=starts)
    return Status(
        201,
        {
            "series_id": series.pk,
            "appointments": len(booked),
            "first_start": booked[0].start if booked else None,
            "last_start": booked[-1].start if booked else None,
        },
    )


def _measurement_out(m: Measurement) -> dict[str, Any]:
    return {
        **{
            f: getattr(m, f)
            for f in (
                "id",
                "instrument_key",
                "occasion",
                "sequence",
                "due_at",
                "sent_at",
                "reminded_at",
                "done_at",
                "response_id",
                "problem",
            )
        },
        "state": m.state,
    }


@router.get("/plans/{plan_id}/measurements", response=list[MeasurementOut], openapi_extra=CLINICAL)
def list_measurements(request: HttpRequest, plan_id: uuid.UUID) -> Any:
    plan = selectors.plan_for(actor_of(request), plan_id)
    return [_measurement_out(m) for m in selectors.progress(plan).measurements]


@router.put("/plans/{plan_id}/schedule", response=list[PlanMeasureOut], openapi_extra=CLINICAL)
def set_schedule(request: HttpRequest, plan_id: uuid.UUID, payload: ScheduleIn) -> Any:
    """Replace which instruments are measured when (baseline, every N sessions, discharge,
    follow-up). Measurements already sent or done are kept."""
    actor = actor_of(request)
    plan = selectors.plan_for(actor, plan_id, audited=False)
    return services.set_schedule(actor=actor, plan=plan, measures=_measures(payload.measures))


@router.post(
    "/plan-measurements/{plan_measurement_id}/send",
    response=MeasurementOut,
    openapi_extra=CLINICAL,
)
def send_measurement(request: HttpRequest, plan_measurement_id: uuid.UUID) -> Any:
    """E-mail the client the link now instead of waiting for the worker (once)."""
    actor = actor_of(request)
    measurement = selectors.measurement_for(actor, plan_measurement_id)
    return _measurement_out(services.send_measurement_now(actor=actor, measurement=measurement))


@router.post(
    "/plan-measurements/{plan_measurement_id}/skip",
    response=MeasurementOut,
    openapi_extra=CLINICAL,
)
def skip_measurement(request: HttpRequest, plan_measurement_id: uuid.UUID) -> Any:
    actor = actor_of(request)
    measurement = selectors.measurement_for(actor, plan_measurement_id)
    return _measurement_out(services.skip_measurement(actor=actor, measurement=measurement))


# --- Diary reminder ---------------------------------------------------------------------


def _diary_client(request: HttpRequest, client_id: uuid.UUID, action: str) -> Any:
    actor = actor_of(request)
    if not actor.can(f"outcome.{action}"):
        raise Forbidden("The diary is for practitioners and owners only.")
    return actor, client_for(actor, client_id, audited=False)


@router.get(
    "/clients/{client_id}/diary-reminder",
    response={200: DiaryReminderOut, 204: None},
    openapi_extra=CLINICAL,
)
def get_diary_reminder(request: HttpRequest, client_id: uuid.UUID) -> Any:
    _actor, client = _diary_client(request, client_id, "view")
    reminder = DiaryReminder.objects.filter(client=client).first()
    return reminder if reminder else Status(204, None)


@router.put(
    "/clients/{client_id}/diary-reminder", response=DiaryReminderOut, openapi_extra=CLINICAL
)
def put_diary_reminder(request: HttpRequest, client_id: uuid.UUID, payload: DiaryReminderIn) -> Any:
    """The daily diary e-mail at the time the client chose (their local time), once a day."""
    actor, client = _diary_client(request, client_id, "edit")
    return reminders.set_diary_reminder(
        actor=actor,
        client=client,
        local_time=payload.local_time,
        time_zone=payload.time_zone,
        active=payload.active,
        until=payload.until,
    )


@router.delete("/clients/{client_id}/diary-reminder", response={204: None}, openapi_extra=CLINICAL)
def delete_diary_reminder(request: HttpRequest, client_id: uuid.UUID) -> Status[None]:
    actor, client = _diary_client(request, client_id, "edit")
    reminders.stop_diary_reminder(actor=actor, client=client)
    return Status(204, None)
