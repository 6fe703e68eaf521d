"""Treatment plans as FHIR CarePlans, and their goals (in the client's words) as Goals."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sacrum.exports.fhir.common import identifier, instant, ref
from sacrum.plans.models import Plan, PlanGoal

MEASURE_SYSTEM = "urn:sacrum:instrument"


def _careplan(plan: Plan) -> dict[str, Any]:
    active = plan.is_active
    description = "; ".join(
        x
        for x in (
            f"For: {', '.join(plan.condition_labels)}" if plan.conditions else "",
            f"{plan.planned_sessions} sessions planned: {plan.taper_text}",
        )
        if x
    )
    found: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        "identifier": identifier("plan", plan.pk),
        "status": "active" if active else "completed",
        "intent": "plan",
        "title": "Craniosacral therapy plan",
        "description": description,
        "subject": ref("Patient", plan.client_id),
        "period": {"start": plan.start_date.isoformat()},
        "created": instant(plan.created_at),
        "author": ref("Practitioner", plan.practitioner_id),
        "activity": [
            {
                "detail": {
                    "kind": "Appointment",
                    "status": "in-progress" if active else "completed",
                    "description": f"{plan.planned_sessions} sessions: {plan.taper_text}",
                    "performer": [ref("Practitioner", plan.practitioner_id)],
                }
            }
        ],
        "meta": {"lastUpdated": instant(plan.updated_at)},
    }
    goals = [ref("Goal", g.pk) for g in plan.goals.all()]
    if goals:
        found["goal"] = goals
    notes = []
    if plan.next_review_on and active:
        notes.append({"text": f"Next review on {plan.next_review_on.isoformat()}"})
    for review in plan.reviews.all():
        notes.append(
            {
                "time": instant(review.created_at),
                "text": f"Review {review.reviewed_on.isoformat()}: {review.note or '(no note)'}",
            }
        )
    if plan.discharged_on:
        found["period"]["end"] = plan.discharged_on.isoformat()
        notes.append(
            {
                "text": f"Discharged {plan.discharged_on.isoformat()} ({plan.get_discharge_reason_display()}). {plan.discharge_summary}".strip()
            }
        )
    if notes:
        found["note"] = notes
    return found


def careplans(rows: list[Plan]) -> Iterable[dict[str, Any]]:
    return [_careplan(p) for p in rows]


def _goal(goal: PlanGoal) -> dict[str, Any]:
    plan = goal.plan
    if plan.is_active:
        lifecycle = "active"
    else:
        lifecycle = "completed" if plan.discharge_reason == "goals_reached" else "cancelled"
    target: dict[str, Any] = {
        "measure": {
            "coding": [{"system": MEASURE_SYSTEM, "code": goal.instrument_key}],
            "text": goal.instrument_key,
        }
    }
    if goal.target_value is not None:
        target["detailQuantity"] = {"value": goal.target_value, "unit": "score"}
    else:
        target["detailString"] = "a change of at least the minimal important change"
    return {
        "resourceType": "Goal",
        "id": str(goal.pk),
        "identifier": identifier("plan-goal", goal.pk),
        "lifecycleStatus": lifecycle,
        "description": {"text": goal.text},
        "subject": ref("Patient", plan.client_id),
        "startDate": plan.start_date.isoformat(),
        "expressedBy": ref("Patient", plan.client_id),
        "target": [target],
    }


def goals(rows: list[PlanGoal]) -> Iterable[dict[str, Any]]:
    return [_goal(g) for g in rows]
