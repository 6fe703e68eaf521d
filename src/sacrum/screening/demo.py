"""Demo: consents, intakes and check-ins with varied histories.

One client is blocked (a recent concussion), one referred (headaches that began after
65 and changed recently), one warned (a blood thinner); one block was cleared by a
physician and one warning acknowledged; the newest clients have not filled anything in
yet. Names, answers and physicians are invented. Idempotent: skipped once intakes exist.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from sacrum.clients import consent
from sacrum.clients.models import Client
from sacrum.kernel.actor import Actor
from sacrum.screening import services
from sacrum.screening.models import Channel, ClientAlert, Intake
from sacrum.screening.questions import CHECKIN, INTAKE, question_set
from sacrum.screening.rules import install_shipped_rules

ORDER = 30

KEYWORDS = (
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
    ("stress", "stress_anxiety"),
    ("on edge", "stress_anxiety"),
)
GOALS = {
    "migraine_headache": "Fewer headache days, and to stop dreading the next one.",
    "neck_pain": "Turn my head properly when driving.",
    "back_pain": "Sit through a working day without pain.",
    "tmj": "Stop clenching at night and wake without a sore jaw.",
    "sinus": "Breathe freely in the mornings.",
    "fibromyalgia": "More good days than bad ones.",
    "sleep": "Sleep through the night.",
    "stress_anxiety": "Feel calmer and less tense in my shoulders.",
}
PHYSICIANS = [
    (
        "Dr Helen Price",
        "Harbourside Surgery",
        "+44 117 496 0456",
        "reception@harbourside-surgery.example",
    ),
    (
        "Dr Tunde Bakare",
        "Clifton Medical Centre",
        "+44 117 496 0789",
        "referrals@clifton-mc.example",
    ),
    (
        "Dr Anna Lindqvist",
        "Walcot Street Practice",
        "+44 1225 496 012",
        "admin@walcot-practice.example",
    ),
]


def _quiet(set_name: str, headaches: bool, age: int = 99) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for q in question_set(set_name).questions():
        if q.type == "yes_no":
            answers[q.key] = "no"
        elif q.type == "number":
            answers[q.key] = q.min or 0
    if set_name == INTAKE:
        answers["headaches"] = "yes" if headaches else "no"
        answers["hx_onset_age"] = min(25, age)
    return answers


def _conditions(client: Client) -> list[str]:
    text = client.presenting_concerns.lower()
    found: list[str] = []
    for word, key in KEYWORDS:
        if word in text and key not in found:
            found.append(key)
    return found or ["other"]


def _sign(client: Client, via: str) -> None:
    text = consent.current_text(client.clinic_id)
    assert text is not None
    public = Actor(user=None, member=None, ip="192.0.2.10", user_agent="Demo browser", via="link")
    consent.store_signature(
        actor=public,
        client=client,
        text=text,
        typed_name=f"{client.first_name} {client.last_name}",
        agreed=True,
        via=via,
    )


def _intake(client: Client, answers: dict[str, Any]) -> list[Any]:
    public = Actor(user=None, member=None, ip="192.0.2.10", user_agent="Demo browser", via="link")
    _row, firings = services._store_intake(
        actor=public, client=client, answers=answers, via=Channel.LINK
    )
    return firings


def _physician(client: Client, n: int) -> None:
    name, practice, phone, email = PHYSICIANS[n % len(PHYSICIANS)]
    client.physician_name, client.physician_practice = name, practice
    client.physician_phone, client.physician_email = phone, email


def seed(ctx: dict[str, Any]) -> str:
    clinic = ctx["clinic"]
    install_shipped_rules(clinic.pk)
    consent.install_default_text(clinic.pk)
    if Intake.objects.filter(client__clinic=clinic).exists():
        return "Screening: already seeded."
    practitioner = Actor.system(ctx["members"]["practitioner"], via="demo")
    rng = random.Random(4)  # noqa: S311 - demo data, not security
    clients = sorted(ctx["clients"], key=lambda c: (c.last_name, c.first_name, str(c.pk)))
    newest = clients[-8:]  # have not filled anything in yet
    today = timezone.localdate()
    older = next((c for c in clients[:-8] if c.age >= 67), None)
    special = [c for c in clients[:-8] if c is not older][:5]
    blocked, warned, cleared, acknowledged, changed = special

    intakes = 0
    for n, client in enumerate(clients):
        if client in newest:
            continue
        conditions = _conditions(client)
        if client is older and "migraine_headache" not in conditions:
            conditions = ["migraine_headache", *conditions]
        client.conditions = conditions
        client.goals = GOALS.get(conditions[0], "")
        client.preferred_language = "English"
        if n % 3 == 0 or client in special or client is older:
            _physician(client, n)
        client.save()
        _sign(client, "tablet" if n % 4 == 0 else "link")
        answers = _quiet(INTAKE, "migraine_headache" in conditions, client.age)
        if client is blocked:
            answers |= {
                "head_injury_recent": "yes",
                "other_conditions": "Concussion after a cycling fall five weeks ago; still some dizziness.",
            }
        elif older is not None and client is older:
            answers |= {
                "headaches": "yes",
                "hx_onset_age": client.age,
                "hx_new_or_changed": "yes",
                "other_conditions": "These headaches started this spring; I never had headaches before.",
            }
        elif client is warned:
            answers |= {
                "anticoagulants": "yes",
                "medications": "Warfarin 3 mg daily (atrial fibrillation)",
            }
        elif client is cleared:
            answers |= {
                "aneurysm": "not_sure",
                "other_conditions": "My mother had a brain aneurysm.",
            }
        elif client is acknowledged:
            answers |= {"epilepsy": "yes", "medications": "Lamotrigine 100 mg twice daily"}
        _intake(client, answers)
        intakes += 1

    cleared_alert = ClientAlert.objects.get(client=cleared, rule__code="block-aneurysm")
    services.record_clearance(
        actor=practitioner,
        alert=cleared_alert,
        physician_name=cleared.physician_name or "Dr Helen Price",
        cleared_on=today - dt.timedelta(days=3),
        note="MRI in 2021 showed no aneurysm; no objection to light-touch work.",
    )
    services.acknowledge(
        actor=practitioner,
        alert=ClientAlert.objects.get(client=acknowledged, rule__code="warn-epilepsy"),
        note="Well controlled; last seizure in 2019. Knows to tell me if she feels an aura.",
    )

    check_ins = 0
    for client in [c for c in clients[:-8] if c not in (blocked, older)][:20]:
        answers = _quiet(CHECKIN, False) | {"checkin_pain": rng.randint(1, 7)}
        if client is changed:
            answers |= {"checkin_new_headache": "yes", "checkin_pain": 6}
        services.record_check_in(
            actor=practitioner, client=client, answers=answers, via=Channel.TABLET
        )
        check_ins += 1

    return (
        f"Screening: {intakes} consents and intakes, {check_ins} check-ins; blocked "
        f"{blocked.full_name}, referred {older.full_name if older else '—'}, warned "
        f"{warned.full_name}; {len(newest)} new clients without an intake"
    )
