"""Demo: a treatment plan for each demo client the outcomes demo measured, consistent
with their measurements. Plans start at the first session; goals are in the client's
words and follow the questionnaire that suits the condition; the schedule (baseline,
every 3 sessions, discharge, follow-up after 3 months) is matched to the questionnaires
already answered. Clients with no upcoming appointment are discharged (with a reason
that fits their course) and have a follow-up due; a few active plans are due for review.
Nothing is e-mailed: rows are written directly, old open measurements left as overdue.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.utils import timezone

from sacrum.outcomes.definitions import shipped_instruments
from sacrum.outcomes.demo import KEYWORDS
from sacrum.outcomes.models import DiaryReminder, OutcomeSummary, Response
from sacrum.plans import measurements
from sacrum.plans.models import (
    Measurement,
    Plan,
    PlanGoal,
    PlanMeasure,
    PlanStatus,
)
from sacrum.plans.services import CONDITION_MEASURES, DEFAULT_FOLLOW_UP_DAYS, clinic_zone
from sacrum.scheduling.local_time import to_utc
from sacrum.scheduling.models import Appointment

ORDER = 45

PHASES = [
    {"rule": "weekly", "count": 6},
    {"rule": "every_2_weeks", "count": 3},
    {"rule": "monthly"},
]
# Goals as clients put them, by the client record's condition.
GOALS = {
    "migraine_headache": "Get through a working week without having to lie down",
    "neck_pain": "Turn my head to reverse the car without pain",
    "back_pain": "Garden for an hour on Saturdays",
    "tmj": "Eat an apple without my jaw clicking and aching",
    "sinus": "Breathe through my nose at night",
    "fibromyalgia": "Walk to the shops and back",
    "sleep": "Sleep through most nights",
    "stress_anxiety": "Feel calm enough to take the train to work",
}
SHOWN = {"improved", "not_yet", "worse"}
PAIN_GOAL = "Less pain on an ordinary day"
SUMMARY = {
    "improved": "goals_reached",
    "not_yet": "no_change",
    "worse": "referred",
    "no_data": "client_choice",
    "no_mic": "client_choice",
}


def _condition(client: Any) -> str:
    return next(iter(client.conditions or []), "") or next(
        (c for word, c in KEYWORDS if word in (client.presenting_concerns or "").lower()), ""
    )


def _summary_text(client: Any, attended: int, rows: list[OutcomeSummary]) -> str:
    titles = {k: i.title for k, i in shipped_instruments().items()}
    lines = [f"{attended} sessions attended."]
    for s in rows:
        if s.baseline_value is not None and s.latest_value is not None:
            lines.append(
                f"{titles.get(s.instrument_key, s.instrument_key)}: {s.baseline_value:g} at baseline, "
                f"{s.latest_value:g} at the last measurement"
                + (f" ({s.get_status_display().lower()})." if s.status in SHOWN else ".")
            )
    lines.append("These are observed changes; they don't show what caused them.")
    return "\n".join(lines)


def seed(ctx: dict[str, Any]) -> str:
    clinic = ctx["clinic"]
    if Plan.objects.filter(clinic=clinic).exists():
        return "Plans: already seeded."
    measured = set(Response.objects.filter(clinic=clinic).values_list("client_id", flat=True))
    if not measured:
        return "Plans: no measured clients to plan for."
    tz = clinic_zone(clinic)
    now = timezone.now()
    today = timezone.localtime(now, tz).date()
    visits: dict[Any, list[Appointment]] = defaultdict(list)
    upcoming: set[Any] = set()
    for a in Appointment.objects.filter(clinic=clinic, client_id__in=measured).order_by("start"):
        if a.status in ("arrived", "completed"):
            visits[a.client_id].append(a)
        elif a.start > now and a.status in ("requested", "booked", "confirmed"):
            upcoming.add(a.client_id)
    summaries: dict[Any, list[OutcomeSummary]] = defaultdict(list)
    for s in OutcomeSummary.objects.filter(clinic=clinic, client_id__in=measured):
        summaries[s.client_id].append(s)
    clients = [c for c in ctx["clients"] if c.pk in measured and visits.get(c.pk)]
    answered_in_sessions = set(
        Response.objects.filter(clinic=clinic, occasion="session").values_list(
            "client_id", flat=True
        )
    )
    plans = discharged = 0
    for n, client in enumerate(sorted(clients, key=lambda c: c.last_name)):
        sessions = visits[client.pk]
        condition = _condition(client)
        keys = ["pain-nrs", *CONDITION_MEASURES.get(condition, [])]
        start = timezone.localtime(sessions[0].start, tz).date()
        main = next(
            (s for s in summaries[client.pk] if s.instrument_key in keys[1:]),
            next((s for s in summaries[client.pk] if s.instrument_key == "pain-nrs"), None),
        )
        # Discharged: no upcoming visit, stopped answering after the baseline (lost to
        # follow-up), or every fourth client with a full first phase behind them.
        closing = (
            client.pk not in upcoming
            or client.pk not in answered_in_sessions
            or (n % 4 == 1 and len(sessions) >= 6)
        )
        last = timezone.localtime(sessions[-1].start, tz).date()
        review = start + dt.timedelta(weeks=6)
        while review < today - dt.timedelta(days=3 if n % 3 else 10):
            review += dt.timedelta(weeks=6)
        plan = Plan.objects.create(
            clinic=clinic,
            client=client,
            practitioner=sessions[0].practitioner,
            conditions=[condition] if condition else [],
            phases=PHASES,
            planned_sessions=12,
            start_date=start,
            review_every_weeks=6,
            next_review_on=None if closing else review,
            status=PlanStatus.DISCHARGED if closing else PlanStatus.ACTIVE,
            discharged_on=last if closing else None,
            discharge_reason=SUMMARY[main.status if main else "no_data"] if closing else "",
            discharge_summary=_summary_text(client, len(sessions), summaries[client.pk])
            if closing
            else "",
            created_by=plan_user(sessions[0]),
        )
        plans += 1
        discharged += closing
        goals = [PlanGoal(plan=plan, position=1, text=PAIN_GOAL, instrument_key="pain-nrs")]
        if len(keys) > 1 and condition in GOALS:
            goals.append(
                PlanGoal(plan=plan, position=2, text=GOALS[condition], instrument_key=keys[1])
            )
        PlanGoal.objects.bulk_create(goals)
        PlanMeasure.objects.bulk_create(
            PlanMeasure(
                plan=plan,
                instrument_key=key,
                every_n_sessions=3,
                follow_up_days=DEFAULT_FOLLOW_UP_DAYS,
            )
            for key in keys
        )
        rows = []
        for key in keys:
            rows.append(_row(plan, key, "baseline", 0, sessions[0].start))
            for k in range(3, len(sessions) + 1, 3):
                rows.append(_row(plan, key, "session", k, sessions[k - 1].end))
            if closing:
                rows.append(_row(plan, key, "discharge", 0, sessions[-1].end))
                due = to_utc(last + dt.timedelta(days=DEFAULT_FOLLOW_UP_DAYS), dt.time(9), tz)
                rows.append(_row(plan, key, "follow_up", 0, due))
        Measurement.objects.bulk_create(rows, ignore_conflicts=True)
        if closing:  # the remaining appointments end with the plan
            Appointment.objects.filter(
                client=client, start__gt=now, status__in=("requested", "booked", "confirmed")
            ).update(
                status="cancelled",
                cancelled_at=now,
                cancelled_by_party="client",
                cancellation_reason="Plan ended",
            )
        if condition == "migraine_headache" and not closing and client.email:
            DiaryReminder.objects.get_or_create(
                client=client,
                defaults={
                    "clinic": clinic,
                    "local_time": dt.time(20, 30),
                    "time_zone": clinic.time_zone,
                    "member": sessions[0].practitioner,
                },
            )
    done = measurements.reconcile(now)
    # Old measurements nobody answered stay open (overdue) for a few; the rest are left out.
    stale = Measurement.objects.filter(
        clinic=clinic,
        done_at__isnull=True,
        skipped_at__isnull=True,
        due_at__lt=now - dt.timedelta(days=21),
    )
    Measurement.objects.filter(pk__in=list(stale.values_list("pk", flat=True)[6:])).update(
        skipped_at=now
    )
    # What is due now is marked as e-mailed, so starting the demo e-mails nobody.
    Measurement.objects.filter(
        clinic=clinic, done_at__isnull=True, skipped_at__isnull=True, due_at__lte=now
    ).update(sent_at=now - dt.timedelta(days=1))
    return (
        f"Plans: {plans} plans ({discharged} discharged), {done} measurements matched to answers."
    )


def plan_user(appointment: Appointment) -> Any:
    return appointment.practitioner.user


def _row(plan: Plan, key: str, occasion: str, sequence: int, due: dt.datetime) -> Measurement:
    return Measurement(
        clinic_id=plan.clinic_id,
        plan=plan,
        client_id=plan.client_id,
        instrument_key=key,
        occasion=occasion,
        sequence=sequence,
        due_at=due,
    )
