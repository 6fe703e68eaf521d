"""The measurement schedule carried out: which questionnaires are due, e-mailing each
once, one reminder, and noticing when it has been answered.

Everything here is safe to run twice at once: a measurement row is unique per plan,
instrument, occasion and session count; it is claimed for sending with one conditional
UPDATE (``sent_at IS NULL``) in the same transaction that creates the link and queues
the e-mail, so two workers can't both send it; a response completes one measurement
only (a one-to-one column).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Forbidden
from sacrum.outcomes import links
from sacrum.outcomes.models import InstrumentDefinition, Occasion, QuestionnaireLink, Response
from sacrum.plans.models import Measurement, Plan, PlanMeasure, PlanStatus
from sacrum.scheduling.local_time import to_utc, zone
from sacrum.scheduling.models import Appointment

log = logging.getLogger(__name__)

SESSION_STATUSES = ("arrived", "completed")
REMIND_AFTER = dt.timedelta(days=3)
OVERDUE_AFTER = dt.timedelta(days=7)
STALE_AFTER = dt.timedelta(days=14)  # never e-mail what was due this long ago
RETRY_AFTER = dt.timedelta(days=1)  # a failed send (no e-mail address, ...) is tried daily
FOLLOW_UP_HOUR = dt.time(9)
BATCH = 200
# How long before its due time a response already counts for a measurement.
WINDOW_BEFORE = {
    Occasion.BASELINE: dt.timedelta(days=14),
    Occasion.SESSION: dt.timedelta(days=3),
    Occasion.DISCHARGE: dt.timedelta(days=7),
    Occasion.FOLLOW_UP: dt.timedelta(days=7),
}
MAX_WINDOW = max(WINDOW_BEFORE.values())


def _create(rows: list[Measurement]) -> int:
    if not rows:
        return 0
    before = Measurement.objects.filter(plan__in={r.plan_id for r in rows}).count()
    Measurement.objects.bulk_create(rows, ignore_conflicts=True)
    return Measurement.objects.filter(plan__in={r.plan_id for r in rows}).count() - before


def _row(plan: Plan, key: str, occasion: str, due: dt.datetime, sequence: int = 0) -> Measurement:
    return Measurement(
        clinic_id=plan.clinic_id,
        plan=plan,
        client_id=plan.client_id,
        instrument_key=key,
        occasion=occasion,
        sequence=sequence,
        due_at=due,
    )


def open_baselines(plan: Plan, now: dt.datetime) -> int:
    """Each scheduled measure's baseline, due now (idempotent)."""
    rows = [
        _row(plan, m.instrument_key, Occasion.BASELINE, now)
        for m in plan.measures.all()
        if m.baseline
    ]
    return _create(rows)


def open_discharge(plan: Plan, now: dt.datetime) -> int:
    """At discharge: the discharge measurements (due now) and the follow-ups (due N days
    after the discharge day, 09:00 in the clinic's zone)."""
    assert plan.discharged_on is not None
    tz = zone(plan.clinic.time_zone)
    rows = []
    for m in plan.measures.all():
        if m.at_discharge:
            rows.append(_row(plan, m.instrument_key, Occasion.DISCHARGE, now))
        if m.follow_up_days:
            day = plan.discharged_on + dt.timedelta(days=m.follow_up_days)
            rows.append(
                _row(plan, m.instrument_key, Occasion.FOLLOW_UP, to_utc(day, FOLLOW_UP_HOUR, tz))
            )
    return _create(rows)


def sessions_attended(plan: Plan) -> int:
    """Sessions the client attended since the plan started (arrived or completed)."""
    query = _attended(plan.client_id, plan.start_date)
    if plan.discharged_on:
        query = query.filter(start__date__lte=plan.discharged_on)
    count: int = query.count()
    return count


def _attended(client_id: Any, since: dt.date) -> Any:
    return Appointment.objects.filter(
        client_id=client_id, status__in=SESSION_STATUSES, start__date__gte=since
    )


def open_session_measurements(now: dt.datetime) -> int:
    """Every N sessions: one set-based pass over active plans with such a measure.

    Only the latest multiple of N is opened, so a plan created after many sessions does
    not send a backlog of questionnaires.
    """
    sessions = (
        Appointment.objects.filter(
            client_id=OuterRef("client_id"),
            status__in=SESSION_STATUSES,
            start__date__gte=OuterRef("start_date"),
        )
        .order_by()
        .values("client_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    plans = {
        p.pk: p
        for p in Plan.objects.filter(
            status=PlanStatus.ACTIVE, measures__every_n_sessions__isnull=False
        )
        .annotate(attended=Subquery(sessions))
        .filter(attended__gt=0)
        .distinct()
    }
    rows = []
    for m in PlanMeasure.objects.filter(plan_id__in=plans, every_n_sessions__isnull=False):
        plan = plans[m.plan_id]
        attended: int = plan.attended  # type: ignore[attr-defined]
        assert m.every_n_sessions is not None
        latest = attended // m.every_n_sessions * m.every_n_sessions
        if latest and latest < plan.planned_sessions + m.every_n_sessions:
            rows.append(_row(plan, m.instrument_key, Occasion.SESSION, now, sequence=latest))
    return _create(rows)


def close_links(measurement: Measurement, now: dt.datetime) -> None:
    """A done or skipped measurement's other link stops working (at once, whatever ``now``)."""
    ids = [i for i in (measurement.link_id, measurement.reminder_link_id) if i]
    if ids:
        at = min(now, timezone.now())
        QuestionnaireLink.objects.filter(
            pk__in=ids, used_at__isnull=True, expires_at__gt=at
        ).update(expires_at=at)


def reconcile(now: dt.datetime, plan: Plan | None = None) -> int:
    """Mark measurements done whose questionnaire has been answered — through the link,
    or filled in with the practitioner — since the measurement's window opened."""
    qs = Measurement.objects.open().filter(due_at__lte=now + MAX_WINDOW)
    if plan is not None:
        qs = qs.filter(plan=plan)
    open_rows = list(qs.select_related("link", "reminder_link").order_by("due_at")[: BATCH * 5])
    if not open_rows:
        return 0
    earliest = min(m.due_at - WINDOW_BEFORE[Occasion(m.occasion)] for m in open_rows)
    candidates: dict[tuple[Any, str], list[tuple[dt.datetime, Any]]] = defaultdict(list)
    for pk, client_id, key, completed in (
        Response.objects.filter(
            client_id__in={m.client_id for m in open_rows},
            instrument_key__in={m.instrument_key for m in open_rows},
            completed_at__gte=earliest,
            completed_at__lte=now,
            plan_measurement__isnull=True,
        )
        .order_by("completed_at")
        .values_list("pk", "client_id", "instrument_key", "completed_at")
    ):
        candidates[(client_id, key)].append((completed, pk))
    used: set[Any] = set()
    done = 0
    for m in open_rows:
        opens = m.due_at - WINDOW_BEFORE[Occasion(m.occasion)]
        if opens > now:
            continue
        chosen = None
        for link in (m.link, m.reminder_link):
            if link is not None and link.response_id and link.response_id not in used:
                chosen = link.response_id
        if chosen is None:
            chosen = next(
                (
                    pk
                    for completed, pk in candidates.get((m.client_id, m.instrument_key), [])
                    if completed >= opens and pk not in used
                ),
                None,
            )
        if chosen is None:
            continue
        try:
            with transaction.atomic():
                updated = Measurement.objects.filter(pk=m.pk, done_at__isnull=True).update(
                    response_id=chosen, done_at=now, skipped_at=None
                )
        except IntegrityError:  # that response completed another measurement meanwhile
            continue
        used.add(chosen)
        if updated:
            done += 1
            close_links(m, now)
    return done


def definition_for(clinic_id: Any, key: str) -> InstrumentDefinition | None:
    return (
        InstrumentDefinition.objects.filter(clinic_id=clinic_id, key=key)
        .order_by("-created_at")
        .first()
    )


def _problem(measurement: Measurement, now: dt.datetime, text: str) -> None:
    Measurement.objects.filter(pk=measurement.pk).update(problem=text[:300], problem_at=now)


def send(
    measurement: Measurement,
    now: dt.datetime,
    *,
    actor: Actor | None = None,
    reminder: bool = False,
) -> bool:
    """E-mail the client a link for this measurement (or the one reminder); True if sent.

    The worker sends in the name of the plan's practitioner. What stops a send (no
    e-mail address, wording not loaded) is kept in ``problem`` for the schedule page.
    """
    plan = measurement.plan
    sender = actor or Actor.system(plan.practitioner, via="worker")
    definition = definition_for(measurement.clinic_id, measurement.instrument_key)
    if definition is None:
        _problem(measurement, now, "The clinic has no such questionnaire.")
        return False
    column = "reminded_at" if reminder else "sent_at"
    try:
        with transaction.atomic():
            claimed = Measurement.objects.filter(
                pk=measurement.pk,
                done_at__isnull=True,
                skipped_at__isnull=True,
                **{f"{column}__isnull": True},
            ).update(**{column: now, "problem": "", "problem_at": None})
            if claimed != 1:
                return False
            link = links.send_link(
                actor=sender,
                client=plan.client,
                definition=definition,
                occasion=measurement.occasion,
                reminder=reminder,
            )
            Measurement.objects.filter(pk=measurement.pk).update(
                **{"reminder_link" if reminder else "link": link}
            )
    except ValidationError as exc:
        _problem(measurement, now, " ".join(exc.messages))
        return False
    except Forbidden:
        _problem(measurement, now, "The plan's practitioner can no longer send questionnaires.")
        return False
    return True


def send_due(now: dt.datetime) -> int:
    """E-mail every due measurement not sent yet (once; stale ones are left to the practice)."""
    due = (
        Measurement.objects.open()
        .filter(sent_at__isnull=True, due_at__lte=now, due_at__gt=now - STALE_AFTER)
        .filter(Q(problem_at__isnull=True) | Q(problem_at__lte=now - RETRY_AFTER))
        .filter(
            Q(plan__status=PlanStatus.ACTIVE)
            | Q(occasion__in=(Occasion.DISCHARGE, Occasion.FOLLOW_UP))
        )
        .select_related(
            "plan__client__clinic", "plan__practitioner__clinic", "plan__practitioner__user"
        )
        .order_by("due_at")[:BATCH]
    )
    return sum(send(m, now) for m in due)


def send_reminders(now: dt.datetime) -> int:
    """One reminder, with a fresh link, when a sent questionnaire is still open after days."""
    due = (
        Measurement.objects.open()
        .filter(
            sent_at__lte=now - REMIND_AFTER,
            sent_at__gt=now - STALE_AFTER,
            reminded_at__isnull=True,
            link__isnull=False,
        )
        .select_related(
            "plan__client__clinic", "plan__practitioner__clinic", "plan__practitioner__user"
        )
        .order_by("sent_at")[:BATCH]
    )
    return sum(send(m, now, reminder=True) for m in due)


def overdue(qs: Any, now: dt.datetime) -> Any:
    """Open measurements due more than a week ago."""
    return qs.open().filter(due_at__lte=now - OVERDUE_AFTER)


def run(now: dt.datetime) -> dict[str, int]:
    """One pass of the schedule (``plans.periodic.tick``)."""
    opened = open_session_measurements(now)
    done = reconcile(now)
    sent = send_due(now)
    reminded = send_reminders(now)
    return {"opened": opened, "done": done, "sent": sent, "reminded": reminded}
