"""Appointments as FHIR Appointments; charted sessions (session notes) as Encounters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sacrum.charting.models import SessionNote
from sacrum.exports.fhir.common import identifier, instant, ref
from sacrum.scheduling.models import Appointment

# Our appointment life cycle on FHIR's (R4 AppointmentStatus).
APPOINTMENT_STATUS = {
    "requested": "proposed",
    "booked": "booked",
    "confirmed": "booked",
    "arrived": "arrived",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
}
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def appointment(row: Appointment) -> dict[str, Any]:
    status = APPOINTMENT_STATUS.get(row.status, "booked")
    client_status = {"cancelled": "declined", "noshow": "declined", "proposed": "needs-action"}
    participants: list[dict[str, Any]] = [
        {
            "actor": ref("Patient", row.client_id),
            "status": client_status.get(status, "accepted"),
            "required": "required",
        },
        {"actor": ref("Practitioner", row.practitioner_id), "status": "accepted"},
        {"actor": ref("Location", row.room_id or row.location_id), "status": "accepted"},
        {"actor": ref("HealthcareService", row.service_id, row.service.name), "status": "accepted"},
    ]
    found: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(row.pk),
        "identifier": identifier("appointment", row.pk),
        "status": status,
        "serviceType": [{"text": row.service.name}],
        "start": instant(row.start),
        "end": instant(row.end),
        "minutesDuration": row.duration_minutes,
        "created": instant(row.created_at),
        "participant": participants,
        "meta": {"lastUpdated": instant(row.updated_at)},
    }
    if row.front_desk_note:
        found["comment"] = row.front_desk_note
    if row.status == "cancelled":
        reason = row.cancellation_reason or ""
        words = {"clinic": "Cancelled by the clinic", "client": "Cancelled by the client"}
        said = words.get(row.cancelled_by_party, "Cancelled")
        if row.cancelled_late:
            said += " (late)"
        found["cancelationReason"] = {"text": f"{said}{': ' + reason if reason else ''}"}
    return found


def appointments(rows: list[Appointment]) -> Iterable[dict[str, Any]]:
    return [appointment(a) for a in rows]


def encounter(note: SessionNote) -> dict[str, Any]:
    """The session a note charts: who, when, how long; the note itself is a DocumentReference."""
    start = note.seen_at
    found: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(note.pk),
        "identifier": identifier("session-note", note.pk),
        "status": "finished",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [{"text": "Craniosacral therapy session"}],
        "subject": ref("Patient", note.client_id),
        "participant": [{"individual": ref("Practitioner", note.author_id)}],
        "period": {"start": instant(start)},
        "serviceProvider": ref("Organization", note.clinic_id),
        "meta": {"lastUpdated": instant(note.updated_at)},
    }
    if note.duration_minutes:
        found["period"]["end"] = instant(start + dt.timedelta(minutes=note.duration_minutes))
        found["length"] = {
            "value": note.duration_minutes,
            "unit": "min",
            "system": "http://unitsofmeasure.org",
            "code": "min",
        }
    if note.appointment_id:
        found["appointment"] = [ref("Appointment", note.appointment_id)]
    if note.complaint:
        found["reasonCode"] = [{"text": note.complaint}]
    if note.sensitive:
        found["meta"]["security"] = [RESTRICTED]
    return found


RESTRICTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
    "code": "R",
    "display": "restricted",
}


def encounters(rows: list[SessionNote]) -> Iterable[dict[str, Any]]:
    return [encounter(n) for n in rows]
