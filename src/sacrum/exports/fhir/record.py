"""One client's own record as a FHIR R4 Bundle: the same resources as the clinic's full
export, only theirs, with the clinic and the staff they reference so that every
reference in the bundle resolves inside it.

What the client gets: their Patient, appointments, charted sessions (Encounters) and
signed notes (DocumentReference with the PDF and the signing hash, addenda appended),
the note's Observations, consents, questionnaire answers and totals, health history,
diary days, plans and goals, and letters that left the clinic. Drafts are the
practitioner's work in progress and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from sacrum.charting.models import NoteStatus, SessionNote
from sacrum.clients.models import Client, ConsentSignature
from sacrum.clinics.models import Location, Room
from sacrum.exports.fhir import clinic as clinic_fhir
from sacrum.exports.fhir import letters, notes, outcomes, people, plans, visits
from sacrum.exports.fhir.common import instant
from sacrum.exports.fhir.validation import validate_bundle
from sacrum.outcomes.models import DiaryEntry, Response
from sacrum.plans.models import Plan, PlanGoal
from sacrum.scheduling.models import Appointment, ServiceType
from sacrum.screening.models import Intake, LetterStatus, ReferralLetter


def client_resources(client: Client) -> Iterable[dict[str, Any]]:
    """Every resource of the client's record, referenced ones first."""
    clinic = client.clinic
    appointment_rows = list(
        Appointment.objects.filter(client=client).select_related("service").order_by("start")
    )
    note_rows = list(
        notes.notes_with_rows(
            SessionNote.objects.filter(client=client, status=NoteStatus.SIGNED)
        ).order_by("seen_at")
    )
    plan_rows = list(
        Plan.objects.filter(client=client)
        .prefetch_related("goals", "reviews")
        .order_by("start_date")
    )
    letter_rows = list(
        ReferralLetter.objects.filter(client=client)
        .exclude(status=LetterStatus.DRAFT)
        .prefetch_related("alerts__rule")
        .order_by("letter_date")
    )
    response_rows = list(
        Response.objects.filter(client=client).select_related("definition").order_by("completed_at")
    )
    member_ids = (
        {a.practitioner_id for a in appointment_rows}
        | {n.author_id for n in note_rows}
        | {n.signed_by_id for n in note_rows if n.signed_by_id}
        | {a.author_id for n in note_rows for a in n.addenda.all()}
        | {p.practitioner_id for p in plan_rows}
        | {lt.author_id for lt in letter_rows}
    )
    members = list(clinic_fhir.members_of(clinic).filter(pk__in=member_ids))
    place_ids = {a.room_id or a.location_id for a in appointment_rows}
    rooms = list(
        Room.objects.filter(location__clinic=clinic, pk__in=place_ids).select_related("location")
    )
    place_ids |= {r.location_id for r in rooms}

    yield clinic_fhir.organization(clinic)
    yield from clinic_fhir.locations(list(Location.objects.filter(clinic=clinic, pk__in=place_ids)))
    yield from clinic_fhir.locations(list(rooms))
    yield from clinic_fhir.practitioners(members)
    yield from clinic_fhir.services(
        list(
            ServiceType.objects.filter(
                clinic=clinic, pk__in={a.service_id for a in appointment_rows}
            )
        )
    )
    yield people.patient(client)
    yield from visits.appointments(appointment_rows)
    yield from visits.encounters(note_rows)
    yield from people.consents(
        list(ConsentSignature.objects.filter(client=client).select_related("text", "withdrawal"))
    )
    yield from outcomes.questionnaire_responses(response_rows)
    yield from outcomes.intakes(list(Intake.objects.filter(client=client).order_by("submitted_at")))
    yield from notes.observations(note_rows)
    yield from outcomes.totals(response_rows)
    yield from outcomes.diary(list(DiaryEntry.objects.filter(client=client).order_by("date")))
    yield from plans.careplans(plan_rows)
    yield from plans.goals(
        list(PlanGoal.objects.filter(Q(plan__client=client)).select_related("plan"))
    )
    yield from letters.service_requests(letter_rows)
    yield from notes.documents(note_rows)
    yield from letters.letter_documents(letter_rows)


def client_bundle(client: Client, *, base_url: str) -> dict[str, Any]:
    """The client's record as a validated FHIR R4 (R4B) ``collection`` Bundle.

    ``base_url`` is the server's FHIR base (e.g. ``https://clinic.example/api/v1/fhir``):
    each entry's ``fullUrl`` is ``<base>/<type>/<id>``, so references resolve in the bundle.
    """
    base = base_url.rstrip("/")
    entries = [
        {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r}
        for r in client_resources(client)
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": instant(timezone.now()),
        "entry": entries,
    }
    validate_bundle(bundle)
    return bundle
