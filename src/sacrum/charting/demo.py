"""Demo: charted, signed history for the demo clients, consistent with their appointments.

Every completed appointment of a client whom screening allows to be charted gets a
signed note by that appointment's practitioner, signed shortly after the session,
with pains that ease over the course of care, rhythm findings at a few stations,
restrictions that fit the client's concerns, a still point and techniques from the
clinic's templates. Clients the gate refuses (blocked, an unacknowledged warning, no
consent or intake yet) get no notes. The practitioner's two latest sessions are left
as drafts, one of them old enough to show on the dashboard as "to sign".

Rows are written in bulk (drafts, their rows, then signed in one update each batch);
the hash and seal are computed exactly as ``sign_note`` does, and each signing has its
"sign" audit entry, so ``verify_notes`` passes.
Idempotent: skipped once the clinic has notes.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from sacrum.access.models import AuditAction, AuditEntry
from sacrum.charting import services, signing
from sacrum.charting.models import (
    ChartingPolicy,
    ListeningStation,
    NoteStatus,
    NoteTemplate,
    Restriction,
    RhythmFinding,
    SessionNote,
    StillPoint,
    TechniqueEntry,
    TechniqueTemplate,
)
from sacrum.clients.models import Client
from sacrum.clinics.models import Membership
from sacrum.scheduling.models import Appointment, ServiceType
from sacrum.screening.gates import charting_gate

ORDER = 50

# Regions (code, side) that fit each condition of the client record.
REGIONS_FOR = {
    "migraine_headache": [
        ("occiput", "midline"),
        ("cranial_base", "midline"),
        ("sphenoid", "midline"),
        ("temporal", "left"),
        ("frontal", "midline"),
    ],
    "neck_pain": [
        ("cervical", "midline"),
        ("thoracic_inlet", "midline"),
        ("occiput", "midline"),
        ("cranial_base", "midline"),
    ],
    "back_pain": [
        ("lumbar", "midline"),
        ("sacrum", "midline"),
        ("pelvic_diaphragm", "midline"),
        ("ilium", "right"),
        ("dural_tube", "midline"),
    ],
    "tmj": [
        ("tmj", "left"),
        ("mandible", "midline"),
        ("temporal", "bilateral"),
        ("hyoid", "midline"),
    ],
    "sinus": [
        ("frontal", "midline"),
        ("maxilla", "bilateral"),
        ("ethmoid", "midline"),
        ("vomer", "midline"),
    ],
    "fibromyalgia": [
        ("respiratory_diaphragm", "midline"),
        ("thoracic", "midline"),
        ("dural_tube", "midline"),
        ("pelvic_diaphragm", "midline"),
    ],
    "sleep": [
        ("cranial_base", "midline"),
        ("respiratory_diaphragm", "midline"),
        ("falx", "midline"),
    ],
    "stress_anxiety": [
        ("respiratory_diaphragm", "midline"),
        ("thoracic_inlet", "midline"),
        ("cranial_base", "midline"),
        ("tentorium", "midline"),
    ],
    "other": [("sacrum", "midline"), ("occiput", "midline"), ("thoracic_inlet", "midline")],
}
COMPLAINTS = {
    "migraine_headache": "Two headaches this week, one kept me off work.",
    "neck_pain": "Neck stiff in the mornings, worse after driving.",
    "back_pain": "Lower back aches by the end of the working day.",
    "tmj": "Jaw sore on waking; clenching again.",
    "sinus": "Blocked and heavy around the eyes most mornings.",
    "fibromyalgia": "Aching all over after a busy week.",
    "sleep": "Waking at 3 am and can't get back to sleep.",
    "stress_anxiety": "Tense shoulders, on edge at work.",
    "other": "Generally tense.",
}
RESPONSES = (
    "Relaxed; breathing slowed early in the session.",
    "Dozed off during the still point; felt lighter afterwards.",
    "Slow to settle, then softened through the cranial base work.",
    "Reported warmth spreading through the back.",
    "Quiet throughout; said the jaw felt looser.",
)
SENSATIONS = (
    ["relaxation"],
    ["warmth", "relaxation"],
    ["sleep"],
    ["tingling"],
    ["relaxation", "sleep"],
)
HOME_CARE = (
    "Short walks; notice and drop the shoulders when at the desk.",
    "Warm compress on the neck in the evening.",
    "Jaw: lips together, teeth apart, tongue resting on the palate.",
    "Keep the headache diary daily.",
    "Wind down without screens for half an hour before bed.",
)
TECHNIQUE_PICKS = (
    "Rhythm evaluation at the listening stations",
    "Still point",
    "Pelvic diaphragm release",
    "Respiratory diaphragm release",
    "Thoracic inlet release",
    "Hyoid release",
    "Cranial base release",
    "Dural tube traction",
    "Frontal lift",
    "Parietal lift",
    "Sphenoid technique",
    "Temporal techniques",
    "TMJ technique",
)


def _note_templates(clinic: Any) -> None:
    """Starting text for the clinic's two main services (idempotent)."""
    protocol = (
        TechniqueTemplate.objects.filter(clinic=clinic, shipped=True).order_by("name").first()
    )
    texts: dict[str, dict[str, Any]] = {
        "First visit": {
            "defaults": {
                "observation": "Posture standing and lying; breathing pattern.",
                "next_visit": "In one week",
                "frequency": "Weekly for four weeks, then review",
            },
            "duration": 60,
        },
        "Craniosacral session": {
            "defaults": {"frequency": "Weekly, tapering as agreed"},
            "duration": 45,
        },
    }
    for name, spec in texts.items():
        service = ServiceType.objects.filter(clinic=clinic, name=name).first()
        if service is None:
            continue
        NoteTemplate.objects.get_or_create(
            service=service,
            defaults={
                "clinic": clinic,
                "defaults": spec["defaults"],
                "client_position": "supine",
                "attire": "clothed",
                "duration_minutes": spec["duration"],
                "technique_template": protocol,
            },
        )


def _chartable(clients: list[Client]) -> list[Client]:
    return [c for c in clients if not charting_gate(c)]


@transaction.atomic
def seed(ctx: dict[str, Any]) -> str:
    clinic = ctx["clinic"]
    services.ensure_defaults(clinic.pk)
    ChartingPolicy.objects.get_or_create(clinic=clinic)
    _note_templates(clinic)
    if SessionNote.objects.filter(clinic=clinic).exists():
        return "Charting: already present"
    rng = random.Random(5150)  # noqa: S311 - demo data, not security
    now = timezone.now()
    clients = _chartable(list(ctx["clients"]))
    skipped = len(ctx["clients"]) - len(clients)
    stations = list(ListeningStation.objects.filter(clinic=clinic, active=True))
    listen_at = [
        s for s in stations if s.name in ("Heels", "Front of the thighs", "Head")
    ] or stations[:3]
    appointments = list(
        Appointment.objects.filter(
            clinic=clinic, client__in=clients, status="completed", end__lt=now
        )
        .select_related("service", "client")
        .order_by("client_id", "start")
    )
    practitioner = ctx["members"].get("practitioner")
    latest_of_practitioner = [
        a
        for a in sorted(appointments, key=lambda a: a.start)
        if a.practitioner_id == getattr(practitioner, "pk", None)
    ]
    # Two drafts: the practitioner's latest session (recent) and one a couple of days back.
    draft_ids = set()
    if latest_of_practitioner:
        draft_ids.add(latest_of_practitioner[-1].pk)
        older = [a for a in latest_of_practitioner if a.end < now - dt.timedelta(days=2)]
        if older:
            draft_ids.add(older[-1].pk)

    notes: list[SessionNote] = []
    findings: list[RhythmFinding] = []
    marks: list[Restriction] = []
    pauses: list[StillPoint] = []
    work: list[TechniqueEntry] = []
    visit_number: dict[Any, int] = {}
    for appointment in appointments:
        client = appointment.client
        n = visit_number[client.pk] = visit_number.get(client.pk, 0) + 1
        condition = (client.conditions or ["other"])[0]
        if condition not in REGIONS_FOR:
            condition = "other"
        start_pain = 5 + client.pk.int % 4
        pain_before = max(1, start_pain - (n - 1) // 2 - rng.randint(0, 1))
        pain_after = max(0, pain_before - rng.randint(1, 3))
        minutes = min(240, appointment.service.duration_minutes - rng.choice((5, 10)))
        note = SessionNote(
            clinic=clinic,
            client=client,
            appointment=appointment,
            author_id=appointment.practitioner_id,
            seen_at=appointment.start,
            complaint=COMPLAINTS[condition]
            if n == 1
            else rng.choice(
                (COMPLAINTS[condition], "Better for a few days after last time.", "About the same.")
            ),
            changes_since_last=""
            if n == 1
            else rng.choice(
                ("Slept better two nights.", "A bad day on Thursday.", "No real change.", "")
            ),
            pain_before=pain_before,
            observation=rng.choice(
                ("Shoulders raised, shallow breathing.", "Settled quickly.", "Restless at first.")
            ),
            palpation=rng.choice(
                ("Dense at the cranial base.", "Sacrum slow to move.", "Easy, even tissue.")
            ),
            client_position="supine",
            attire="clothed",
            response=rng.choice(RESPONSES),
            pain_after=pain_after,
            sensations=list(rng.choice(SENSATIONS)),
            progress=""
            if n < 3
            else rng.choice(
                (
                    "Fewer bad days than at the start.",
                    "Sleeping better; goal in reach.",
                    "Slow, steady.",
                )
            ),
            next_visit="In one week" if n < 4 else "In two weeks",
            frequency="Weekly" if n < 4 else "Every two weeks",
            home_care=rng.choice(HOME_CARE),
            duration_minutes=minutes,
        )
        notes.append(note)
        for station in listen_at:
            findings.append(
                RhythmFinding(
                    note=note,
                    station=station,
                    rate=Decimal(rng.randint(50, 110)) / 10,
                    amplitude=rng.randint(1, 3),
                    symmetry=rng.choice(
                        ("symmetric", "symmetric", "left_reduced", "right_reduced")
                    ),
                    quality=rng.randint(1, 3),
                )
            )
        regions = REGIONS_FOR[condition]
        for region, side in rng.sample(regions, k=min(len(regions), max(1, 4 - n // 3))):
            marks.append(
                Restriction(note=note, region=region, side=side, severity=rng.randint(1, 3))
            )
        pauses.append(
            StillPoint(
                note=note,
                induced=True,
                location=rng.choice(("occiput", "occiput", "feet")),
                duration_seconds=rng.randint(30, 150),
            )
        )
        picks = sorted(rng.sample(range(len(TECHNIQUE_PICKS)), k=5))
        for position, index in enumerate(picks):
            work.append(
                TechniqueEntry(
                    note=note,
                    position=position,
                    name=TECHNIQUE_PICKS[index],
                    duration_minutes=rng.randint(3, 10),
                )
            )

    SessionNote.objects.bulk_create(notes, batch_size=500)
    RhythmFinding.objects.bulk_create(findings, batch_size=500)
    Restriction.objects.bulk_create(marks, batch_size=500)
    StillPoint.objects.bulk_create(pauses, batch_size=500)
    TechniqueEntry.objects.bulk_create(work, batch_size=500)

    to_sign = [n.pk for n in notes if n.appointment_id not in draft_ids]
    authors = dict(
        Membership.objects.filter(pk__in={n.author_id for n in notes}).values_list("pk", "user_id")
    )
    signed = 0
    for start in range(0, len(to_sign), 500):
        batch = list(
            signing.notes_for_hashing(
                SessionNote.objects.filter(pk__in=to_sign[start : start + 500])
            ).select_related("appointment")
        )
        for note in batch:
            assert note.appointment is not None
            note.signed_by_id = note.author_id
            note.signed_at = (note.appointment.end + dt.timedelta(minutes=7)).replace(microsecond=0)
            note.content_hash = signing.note_hash(note)
            note.seal = signing.seal(note.content_hash, "note")
            note.status = NoteStatus.SIGNED
        SessionNote.objects.bulk_update(
            batch, ["signed_by", "signed_at", "content_hash", "seal", "status"], batch_size=500
        )
        AuditEntry.objects.bulk_create(
            AuditEntry(
                clinic_id=note.clinic_id,
                actor_id=authors[note.author_id],
                action=AuditAction.SIGN,
                object_type="sessionnote",
                object_id=str(note.pk),
                via="cli",
            )
            for note in batch
        )
        signed += len(batch)
    return (
        f"Charting: {signed} signed notes and {len(notes) - signed} drafts for "
        f"{len(visit_number)} clients; {skipped} clients not charted (the screening gate)"
    )
