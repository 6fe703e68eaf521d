"""Reads of treatment plans: scoped to the clinic, clinical only, reads audited.

``progress`` puts each goal beside the latest scores the outcomes app keeps
(``OutcomeSummary``): observed change against the client's own target, never a claim
about what caused it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clients.models import Client
from sacrum.clients.selectors import require_clinical
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.outcomes.definitions import number_text, shipped_instruments
from sacrum.outcomes.models import OutcomeSummary
from sacrum.plans import measurements
from sacrum.plans.models import GoalTarget, Measurement, Plan, PlanGoal

CLINICAL_ONLY = "Treatment plans are for practitioners and owners only."


def require_plans(actor: Actor, action: str = "view") -> None:
    require_clinical(actor, edit=action == "edit", message=CLINICAL_ONLY)


def plans_for_client(actor: StaffActor, client: Client) -> QuerySet[Plan]:
    require_plans(actor)
    qs: QuerySet[Plan] = Plan.objects.for_member(actor.member, "view")
    return qs.filter(client=client).select_related("practitioner__user")


def plan_for(actor: StaffActor, plan_id: uuid.UUID | str, *, audited: bool = True) -> Plan:
    require_plans(actor)
    plan = get_scoped_or_404(
        Plan.objects.for_member(actor.member, "view").select_related(
            "client", "clinic", "practitioner__user"
        ),
        pk=plan_id,
    )
    if audited:
        audit.record(actor, AuditAction.READ, plan)
    return plan


def measurement_for(actor: StaffActor, measurement_id: uuid.UUID | str) -> Measurement:
    require_plans(actor)
    return get_scoped_or_404(
        Measurement.objects.for_member(actor.member, "view").select_related(
            "plan__client__clinic", "plan__practitioner__user", "plan__practitioner__clinic"
        ),
        pk=measurement_id,
    )


STATUS_TEXT = {
    "reached": "Reached",
    "not_yet": "Not yet",
    "worse": "Worse than at baseline by at least the minimal important change",
    "no_mic": "No established minimal important change for this measure",
    "no_data": "Not enough measurements yet",
}


@dataclass
class GoalView:
    goal: PlanGoal
    title: str
    target_text: str
    baseline: float | None = None
    latest: float | None = None
    latest_on: dt.date | None = None
    status: str = "no_data"
    decimals: int = 0

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]


@dataclass
class Progress:
    goals: list[GoalView] = field(default_factory=list)
    sessions_attended: int = 0
    measurements: list[Measurement] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(1 for m in self.measurements if m.state in ("due", "sent", "reminded"))


def _goal_status(goal: PlanGoal, summary: OutcomeSummary | None, higher_is_worse: bool) -> str:
    if summary is None or summary.latest_value is None:
        return "no_data"
    if goal.target_kind == GoalTarget.VALUE and goal.target_value is not None:
        latest = summary.latest_value
        hit = latest <= goal.target_value if higher_is_worse else latest >= goal.target_value
        if hit and summary.measurements > 1:
            return "reached"
        return (
            "worse"
            if summary.status == "worse"
            else ("not_yet" if summary.measurements > 1 else "no_data")
        )
    return {"improved": "reached"}.get(summary.status, summary.status)


def goal_views(plan: Plan, goals: list[PlanGoal]) -> list[GoalView]:
    """Each goal with its measure's baseline and latest score and where it stands."""
    instruments = shipped_instruments()
    summaries = {
        s.instrument_key: s
        for s in OutcomeSummary.objects.filter(
            client_id=plan.client_id, instrument_key__in={g.instrument_key for g in goals}
        )
    }
    views = []
    for goal in goals:
        instrument = instruments.get(goal.instrument_key)
        title = instrument.title if instrument else goal.instrument_key
        higher_is_worse = instrument.scoring.higher_is_worse if instrument else True
        if goal.target_kind == GoalTarget.VALUE and goal.target_value is not None:
            sign = "at most" if higher_is_worse else "at least"
            target = f"{title} {sign} {number_text(goal.target_value)}"
        else:
            mic = instrument.scoring.mic.describe(instrument.scoring.unit) if instrument else ""
            target = f"{title}: a change of at least the minimal important change ({mic})"
        summary = summaries.get(goal.instrument_key)
        views.append(
            GoalView(
                goal=goal,
                title=title,
                target_text=target,
                baseline=summary.baseline_value if summary else None,
                latest=summary.latest_value if summary else None,
                latest_on=summary.latest_on if summary else None,
                status=_goal_status(goal, summary, higher_is_worse),
                decimals=instrument.scoring.decimals if instrument else 0,
            )
        )
    return views


def progress(plan: Plan) -> Progress:
    """Goals against the latest scores, sessions attended and the measurement schedule.

    Answered questionnaires are matched to the schedule first, so the page is current
    even between two worker runs.
    """
    measurements.reconcile(timezone.now(), plan=plan)
    return Progress(
        goals=goal_views(plan, list(plan.goals.all())),
        sessions_attended=measurements.sessions_attended(plan),
        measurements=list(plan.measurements.order_by("due_at", "instrument_key")),
    )
