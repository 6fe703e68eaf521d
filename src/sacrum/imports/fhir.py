"""FHIR R4 Patient and Appointment resources (a Bundle or NDJSON) → the rows the CSV
import reads. Each resource is validated with ``fhir.resources.R4B`` first; an invalid one
is that entry's error, never the file's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from sacrum.imports.values import BadValue

# FHIR Appointment.status → Sacrum's.
FHIR_STATUS = {
    "proposed": "requested",
    "pending": "requested",
    "booked": "booked",
    "arrived": "arrived",
    "checked-in": "arrived",
    "fulfilled": "completed",
    "cancelled": "cancelled",
    "noshow": "no_show",
    "waitlist": "requested",
}


def validate(resource: Any) -> Any:
    """The R4B model of a Patient or Appointment; BadValue with the first problem."""
    if not isinstance(resource, dict):
        raise BadValue("is not a FHIR resource (not a JSON object)")
    kind = resource.get("resourceType")
    if kind == "Patient":
        from fhir.resources.R4B.patient import Patient as Model
    elif kind == "Appointment":
        from fhir.resources.R4B.appointment import Appointment as Model  # type: ignore[assignment]
    else:
        raise BadValue(f"resource type '{kind}' is not imported (only Patient and Appointment)")
    try:
        return Model.model_validate(resource)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
        raise BadValue(f"{kind} is not valid FHIR R4 ({where}: {first.get('msg', '')})") from None


def _reference_id(reference: str | None, kind: str) -> str:
    if reference and reference.startswith(f"{kind}/"):
        return reference.split("/", 1)[1]
    if reference and reference.startswith("urn:uuid:"):
        return reference
    return ""


def patient_values(patient: Any) -> dict[str, str]:
    names = patient.name or []
    official = next(
        (n for n in names if n.use in ("official", "usual", None)), names[0] if names else None
    )
    nickname = next((n for n in names if n.use == "nickname"), None)
    email = next((t.value for t in patient.telecom or [] if t.system == "email" and t.value), "")
    phone = next(
        (t.value for t in patient.telecom or [] if t.system in ("phone", "sms") and t.value), ""
    )
    address = ""
    if patient.address:
        a = patient.address[0]
        address = a.text or ", ".join(
            x for x in [*(a.line or []), a.city, a.state, a.postalCode] if x
        )
    return {
        "source_id": patient.id or "",
        "first_name": " ".join(official.given or []) if official else "",
        "last_name": (official.family or "") if official else "",
        "preferred_name": " ".join(nickname.given or []) if nickname else "",
        "date_of_birth": patient.birthDate.isoformat() if patient.birthDate else "",
        "email": email,
        "phone": phone,
        "address": address,
    }


def appointment_values(appointment: Any, patient_urls: dict[str, str]) -> dict[str, str]:
    values = {
        "source_id": appointment.id or "",
        "start": appointment.start.isoformat() if appointment.start else "",
        "end": appointment.end.isoformat() if appointment.end else "",
        "duration_minutes": str(appointment.minutesDuration or ""),
        "status": FHIR_STATUS.get(appointment.status, ""),
        "service": "",
        "practitioner": "",
        "location": "",
        "client_source_id": "",
    }
    if appointment.status == "entered-in-error":
        raise BadValue("was entered in error in the old system; not imported")
    for participant in appointment.participant or []:
        actor = participant.actor
        if actor is None:
            continue
        reference = actor.reference or ""
        if reference.startswith("Patient/") or reference in patient_urls:
            values["client_source_id"] = patient_urls.get(reference) or _reference_id(
                reference, "Patient"
            )
        elif reference.startswith(("Practitioner/", "PractitionerRole/")):
            values["practitioner"] = actor.display or ""
        elif reference.startswith("Location/"):
            values["location"] = actor.display or ""
    for concept in [
        *(appointment.serviceType or []),
        *((appointment.appointmentType and [appointment.appointmentType]) or []),
    ]:
        label = concept.text or next((c.display for c in concept.coding or [] if c.display), "")
        if label:
            values["service"] = label
            break
    if not values["client_source_id"]:
        raise BadValue("has no Patient participant")
    return values


def read(
    resources: Iterator[tuple[int, Any, str]],
) -> tuple[
    list[tuple[int, dict[str, str]]], list[tuple[int, dict[str, str]]], list[tuple[int, str]]
]:
    """Patients and appointments as rows (patients first), and per-entry errors."""
    patients: list[tuple[int, dict[str, str]]] = []
    appointments: list[tuple[int, Any]] = []
    errors: list[tuple[int, str]] = []
    urls: dict[str, str] = {}
    for number, resource, full_url in resources:
        try:
            model = validate(resource)
        except BadValue as exc:
            errors.append((number, str(exc)))
            continue
        if resource["resourceType"] == "Patient":
            values = patient_values(model)
            if not values["source_id"]:
                errors.append((number, "Patient has no id"))
                continue
            if full_url:
                urls[full_url] = values["source_id"]
            patients.append((number, values))
        else:
            appointments.append((number, model))
    rows: list[tuple[int, dict[str, str]]] = []
    for number, model in appointments:
        try:
            rows.append((number, appointment_values(model, urls)))
        except BadValue as exc:
            errors.append((number, f"Appointment {exc}"))
    return patients, rows, errors
