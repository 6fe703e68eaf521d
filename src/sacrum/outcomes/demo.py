"""Demo: six months of measurements for the demo clients, with varied courses.

Each client with completed sessions is measured with pain 0-10 at every session and the
questionnaire that suits their condition at baseline (before the first session) and
every third session; clients with migraine keep a headache diary. Courses differ on
purpose: most improve, some stay flat, a few get worse, and some stop coming (lost to
follow-up), so the curves and the practice report look like a real practice's.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from sacrum.clients.models import Client
from sacrum.kernel.actor import Actor
from sacrum.outcomes import services
from sacrum.outcomes.definitions import Instrument
from sacrum.outcomes.models import DiaryEntry, InstrumentDefinition, Response
from sacrum.outcomes.services import DIARY_KEY, refresh_summary
from sacrum.scheduling.models import Appointment

ORDER = 40

# The client record's conditions -> (outcome condition, questionnaires that suit it)
BY_CONDITION = {
    "migraine_headache": ("migraine", ["hit-6"]),
    "neck_pain": ("neck-pain", ["ndi"]),
    "back_pain": ("low-back-pain", ["odi"]),
    "tmj": ("tmj", ["jfls-8"]),
    "sinus": ("sinus", ["snot-22"]),
    "fibromyalgia": ("fibromyalgia", ["fiqr"]),
    "sleep": ("sleep", ["isi"]),
    "stress_anxiety": ("anxiety", ["gad-7", "pss-10"]),
}
# Demo clients without recorded conditions: read the reason they came.
KEYWORDS = [
    ("migraine", "migraine_headache"),
    ("headache", "migraine_headache"),
    ("neck", "neck_pain"),
    ("whiplash", "neck_pain"),
    ("back", "back_pain"),
    ("jaw", "tmj"),
    ("sinus", "sinus"),
    ("fibromyalgia", "fibromyalgia"),
    ("sleep", "sleep"),
    ("anxiety", "stress_anxiety"),
]
COURSES = ["improving", "improving", "improving", "flat", "worsening", "lost", "improving", "lost"]


def _answers(instrument: Instrument, severity: float, rng: random.Random) -> dict[str, Any]:
    """Answers whose scored values sit near ``severity`` (0 best, 1 worst) of each item."""
    result: dict[str, Any] = {}
    scoring = instrument.scoring
    for link_id in scoring.items:
        item = instrument.item(link_id)
        level = min(1.0, max(0.0, severity + rng.uniform(-0.15, 0.15)))
        if not scoring.higher_is_worse:
            level = 1 - level
        if link_id in scoring.reverse_items:
            level = 1 - level
        if item.type == "choice":
            options = sorted(item.options, key=lambda o: o.value)
            result[link_id] = options[round(level * (len(options) - 1))].code
        elif item.type == "boolean":
            result[link_id] = rng.random() < level
        else:
            low, high = item.value_range()
            result[link_id] = round(float(low) + level * float(high - low))
    return result


def _course(course: str, progress: float) -> float:
    start = 0.62
    end = {"improving": 0.28, "flat": 0.6, "worsening": 0.8, "lost": 0.55}[course]
    return start + (end - start) * progress


def _diary(
    client: Client, start: dt.date, first_session: dt.date, course: str, rng: random.Random
) -> int:
    today = timezone.localdate()
    rows = []
    day = start
    while day <= today:
        if course == "lost" and day > first_session + dt.timedelta(days=30):
            break
        if rng.random() < 0.88:  # most days are recorded
            before = day < first_session
            chance = (
                0.5
                if before
                else {"improving": 0.22, "flat": 0.48, "worsening": 0.62, "lost": 0.45}[course]
            )
            headache = rng.random() < chance
            rows.append(
                DiaryEntry(
                    clinic_id=client.clinic_id,
                    client=client,
                    date=day,
                    headache=headache,
                    peak=rng.randint(3, 9) if headache else None,
                    medication=headache and rng.random() < 0.6,
                )
            )
        day += dt.timedelta(days=1)
    DiaryEntry.objects.bulk_create(rows)
    refresh_summary(client, DIARY_KEY)
    return len(rows)


def seed(ctx: dict[str, Any]) -> str:
    clinic = ctx["clinic"]
    if Response.objects.filter(clinic=clinic).exists():
        return "Outcomes: already seeded."
    services.ensure_definitions(clinic)
    definitions = {d.key: d for d in InstrumentDefinition.objects.filter(clinic=clinic)}
    member = ctx["members"]["practitioner"]
    actor = Actor.system(member, via="demo")
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    sessions: dict[Any, list[dt.datetime]] = {}
    for client_id, start in (
        Appointment.objects.filter(clinic=clinic, status="completed")
        .order_by("start")
        .values_list("client_id", "start")
    ):
        sessions.setdefault(client_id, []).append(start)
    clients = [
        c
        for c in Client.objects.filter(clinic=clinic).order_by("last_name")
        if len(sessions.get(c.pk, [])) >= 3
    ]
    responses = diary_days = 0
    for n, client in enumerate(clients[:24]):
        course = COURSES[n % len(COURSES)]
        visits = sessions[client.pk]
        first = visits[0]
        reason = next(iter(client.conditions or []), "") or next(
            (c for word, c in KEYWORDS if word in client.presenting_concerns.lower()), ""
        )
        condition, keys = BY_CONDITION.get(reason, ("", []))
        baseline_at = first - dt.timedelta(days=28)
        # Four weekly measurements before the first session (phase A), then one per session.
        plan = [(first - dt.timedelta(days=d), "baseline") for d in (28, 21, 14, 7)]
        plan += [(v, "session") for v in visits]
        if course == "lost":
            plan = plan[:4]  # measured before sessions began, never after
        for index, (when, occasion) in enumerate(plan):
            progress = index / max(len(plan) - 1, 1)
            severity = _course(course, progress if occasion == "session" else 0.0)
            measured = [("pain-nrs", condition or "")]
            if index == 0 or (occasion == "session" and index % 3 == 0):
                measured += [(key, condition) for key in keys]
            for key, cond in measured:
                instrument = definitions[key].instrument
                services.record_response(
                    actor=actor,
                    client=client,
                    definition=definitions[key],
                    answers=_answers(instrument, severity, rng),
                    occasion=occasion,
                    session_number=None if occasion == "baseline" else index - 3,
                    completed_at=min(when, timezone.now()),
                    condition=cond,
                )
                responses += 1
        if condition == "migraine":
            diary_days += _diary(
                client, (baseline_at - dt.timedelta(days=28)).date(), first.date(), course, rng
            )
    return f"Outcomes: {responses} questionnaires and {diary_days} diary days for {len(clients[:24])} clients."
