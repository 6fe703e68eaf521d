"""A clinic's records as FHIR Bulk Data files: one NDJSON file per resource type.

Each source is a queryset of one kind of row and a builder that turns a chunk of rows
into resources. Rows are read in primary-key order, ``CHUNK`` at a time (keyset
pagination: ``pk > last``), each chunk with its related rows fetched by the queryset's
own ``select_related``/``prefetch_related``; so memory stays flat and the number of
queries per chunk is fixed however large the clinic is.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Prefetch, Q, QuerySet

from sacrum.charting.models import SessionNote
from sacrum.clients.models import Client, ConsentSignature
from sacrum.clinics.models import Clinic, Location, Room
from sacrum.exports.fhir import clinic as clinic_fhir
from sacrum.exports.fhir import letters, notes, outcomes, people, plans, visits
from sacrum.outcomes.models import DiaryEntry, InstrumentDefinition, Response
from sacrum.plans.models import Plan, PlanGoal
from sacrum.scheduling.models import Appointment, ServiceType
from sacrum.screening.models import Intake, ReferralLetter

CHUNK = 200
# Every type an export can hold, in the order files are written (referenced types first).
RESOURCE_TYPES = (
    "Organization",
    "Location",
    "Practitioner",
    "PractitionerRole",
    "HealthcareService",
    "Patient",
    "Appointment",
    "Encounter",
    "Consent",
    "Questionnaire",
    "QuestionnaireResponse",
    "Observation",
    "CarePlan",
    "Goal",
    "ServiceRequest",
    "DocumentReference",
)
NDJSON = "application/fhir+ndjson"

Rows = Callable[[Clinic, dt.datetime | None], QuerySet[Any]]
Build = Callable[[list[Any]], Iterable[dict[str, Any]]]


@dataclass(frozen=True)
class Source:
    resource_type: str
    rows: Rows
    build: Build
    chunk: int = CHUNK


def _changed(since: dt.datetime | None, *fields: str) -> Q:
    """Rows changed after ``since`` by any of ``fields`` (everything when no ``since``)."""
    if since is None:
        return Q()
    found = Q()
    for field in fields:
        found |= Q(**{f"{field}__gt": since})
    return found


def _clinic(clinic: Clinic, since: dt.datetime | None) -> QuerySet[Clinic]:
    return Clinic.objects.filter(pk=clinic.pk)


def _locations(clinic: Clinic, since: dt.datetime | None) -> QuerySet[Location]:
    return Location.objects.filter(clinic=clinic)


def _rooms(clinic: Clinic, since: dt.datetime | None) -> QuerySet[Room]:
    return Room.objects.filter(location__clinic=clinic).select_related("location")


def _members(clinic: Clinic, since: dt.datetime | None) -> QuerySet[Any]:
    return clinic_fhir.members_of(clinic)


def _services(clinic: Clinic, since: dt.datetime | None) -> QuerySet[ServiceType]:
    return ServiceType.objects.filter(clinic=clinic)


def _clients(clinic: Clinic, since: dt.datetime | None) -> QuerySet[Client]:
    return Client.objects.filter(Q(clinic=clinic) & _changed(since, "updated_at", "created_at"))


def _appointments(clinic: Clinic, since: dt.datetime | None) -> QuerySet[Appointment]:
    return Appointment.objects.filter(
        Q(clinic=clinic) & _changed(since, "updated_at")
    ).select_related("service")


def _notes(clinic: Clinic, since: dt.datetime | None) -> QuerySet[SessionNote]:
    return SessionNote.objects.filter(Q(clinic=clinic) & _changed(since, "updated_at"))


def _notes_in_full(clinic: Clinic, since: dt.datetime | None) -> QuerySet[SessionNote]:
    changed = _changed(since, "updated_at", "addenda__created_at")
    ids = SessionNote.objects.filter(Q(clinic=clinic) & changed).values("pk")
    return notes.notes_with_rows(SessionNote.objects.filter(pk__in=ids))


def _consents(clinic: Clinic, since: dt.datetime | None) -> QuerySet[ConsentSignature]:
    return ConsentSignature.objects.filter(
        Q(client__clinic=clinic) & _changed(since, "signed_at", "withdrawal__withdrawn_at")
    ).select_related("text", "withdrawal")


def _definitions(clinic: Clinic, since: dt.datetime | None) -> QuerySet[InstrumentDefinition]:
    return InstrumentDefinition.objects.filter(Q(clinic=clinic) & _changed(since, "updated_at"))


def _responses(clinic: Clinic, since: dt.datetime | None) -> QuerySet[Response]:
    return Response.objects.filter(Q(clinic=clinic) & _changed(since, "created_at")).select_related(
        "definition"
    )


def _intakes(clinic: Clinic, since: dt.datetime | None) -> QuerySet[Intake]:
    return Intake.objects.filter(
        Q(client__clinic=clinic) & _changed(since, "submitted_at", "amended_at")
    )


def _diary(clinic: Clinic, since: dt.datetime | None) -> QuerySet[DiaryEntry]:
    return DiaryEntry.objects.filter(Q(clinic=clinic) & _changed(since, "updated_at"))


def _plans(clinic: Clinic, since: dt.datetime | None) -> QuerySet[Plan]:
    return Plan.objects.filter(Q(clinic=clinic) & _changed(since, "updated_at")).prefetch_related(
        Prefetch("goals", queryset=PlanGoal.objects.only("id", "plan_id")), "reviews"
    )


def _goals(clinic: Clinic, since: dt.datetime | None) -> QuerySet[PlanGoal]:
    return PlanGoal.objects.filter(
        Q(plan__clinic=clinic) & _changed(since, "plan__updated_at")
    ).select_related("plan")


def _letters(clinic: Clinic, since: dt.datetime | None) -> QuerySet[ReferralLetter]:
    return ReferralLetter.objects.filter(
        Q(client__clinic=clinic) & _changed(since, "updated_at")
    ).prefetch_related("alerts__rule")


SOURCES: tuple[Source, ...] = (
    Source("Organization", _clinic, clinic_fhir.organizations),
    Source("Location", _locations, clinic_fhir.locations),
    Source("Location", _rooms, clinic_fhir.locations),
    Source("Practitioner", _members, clinic_fhir.practitioners),
    Source("PractitionerRole", _members, clinic_fhir.practitioner_roles),
    Source("HealthcareService", _services, clinic_fhir.services),
    Source("Patient", _clients, people.patients),
    Source("Appointment", _appointments, visits.appointments),
    Source("Encounter", _notes, visits.encounters),
    Source("Consent", _consents, people.consents),
    Source("Questionnaire", _definitions, outcomes.questionnaires),
    Source("QuestionnaireResponse", _responses, outcomes.questionnaire_responses),
    Source("QuestionnaireResponse", _intakes, outcomes.intakes),
    Source("Observation", _notes_in_full, notes.observations),
    Source("Observation", _responses, outcomes.totals),
    Source("Observation", _diary, outcomes.diary),
    Source("CarePlan", _plans, plans.careplans),
    Source("Goal", _goals, plans.goals),
    Source("ServiceRequest", _letters, letters.service_requests),
    # A PDF per note is the slow part: smaller chunks keep progress moving.
    Source("DocumentReference", _notes_in_full, notes.documents, chunk=50),
    Source("DocumentReference", _letters, letters.letter_documents, chunk=50),
)


class UnknownType(ValueError):
    """A ``_type`` the export does not produce."""


def chosen_types(types: Sequence[str] | None) -> tuple[str, ...]:
    """The resource types to write, in file order; ``UnknownType`` names any we don't make."""
    if not types:
        return RESOURCE_TYPES
    unknown = sorted(set(types) - set(RESOURCE_TYPES))
    if unknown:
        raise UnknownType(
            f"unknown or unsupported resource type: {', '.join(unknown)} "
            f"(supported: {', '.join(RESOURCE_TYPES)})"
        )
    return tuple(t for t in RESOURCE_TYPES if t in set(types))


def sources_for(types: Sequence[str] | None) -> list[Source]:
    wanted = set(chosen_types(types))
    return [s for s in SOURCES if s.resource_type in wanted]


def chunks(queryset: QuerySet[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """The rows in primary-key order, ``size`` at a time, one page of queries per chunk."""
    last: Any = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows: list[Model] = list(page[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk
        if len(rows) < size:
            return


def line(resource: dict[str, Any]) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n"


def write_fhir(
    clinic: Clinic,
    target_dir: pathlib.Path,
    progress: Callable[[int, int], None],
    *,
    types: Sequence[str] | None = None,
    since: dt.datetime | None = None,
) -> list[pathlib.Path]:
    """Write ``<Type>.ndjson`` for every type with at least one resource; returns the files.

    ``progress(done, total)`` counts source rows (a note makes several resources).
    """
    sources = sources_for(types)
    total = sum(s.rows(clinic, since).count() for s in sources)
    done = 0
    progress(done, total)
    written: list[pathlib.Path] = []
    handles: dict[str, Any] = {}
    try:
        for source in sources:
            for rows in chunks(source.rows(clinic, since), source.chunk):
                resources = list(source.build(rows))
                if resources:
                    handle = handles.get(source.resource_type)
                    if handle is None:
                        path = target_dir / f"{source.resource_type}.ndjson"
                        handle = handles[source.resource_type] = path.open("w", encoding="utf-8")
                        written.append(path)
                    handle.writelines(line(r) for r in resources)
                done += len(rows)
                progress(done, total)
    finally:
        for handle in handles.values():
            handle.close()
    return written
