"""Session notes as FHIR: the note's PDF (and its text) as a DocumentReference carrying
the signing hash, addenda appended to it, and the note's numbers as Observations.

Pain before and after are the client's own ratings (0-10). Rhythm findings, still
points and restrictions are the practitioner's palpation findings and say so in their
code text: they vary between examiners and are not measurements.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from sacrum.charting import pdf
from sacrum.charting.models import SOAP_TEXT_FIELDS, Addendum, SessionNote
from sacrum.charting.regions import label as region_label
from sacrum.charting.selectors import with_everything
from sacrum.exports.fhir.common import (
    CONTENT_SHA256,
    LOINC,
    PALPATION_WORDS,
    UCUM,
    attachment,
    category,
    derived_id,
    identifier,
    instant,
    ref,
)
from sacrum.exports.fhir.visits import RESTRICTED

NOTE_TYPE = {"coding": [{"system": LOINC, "code": "11506-3", "display": "Progress note"}]}
PAIN_CODE = {
    "coding": [
        {
            "system": LOINC,
            "code": "72514-3",
            "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        }
    ]
}


def notes_with_rows(notes: QuerySet[SessionNote]) -> QuerySet[SessionNote]:
    """Notes with everything the PDF and the Observations read, a fixed number of queries."""
    return with_everything(notes).select_related("client__clinic", "appointment__service")


def _label(name: str) -> str:
    return str(getattr(SessionNote._meta.get_field(name), "verbose_name", name))


def note_text(note: SessionNote) -> str:
    """The SOAP sections as plain text, in the note's order, empty ones left out."""
    lines = []
    for name in SOAP_TEXT_FIELDS:
        value = getattr(note, name) or ""
        if value.strip():
            label = _label(name)
            lines.append(f"{label[:1].upper()}{label[1:]}: {value.strip()}")
    techniques = [
        f"{t.name}{f' ({t.duration_minutes} min)' if t.duration_minutes else ''}"
        f"{f': {t.response}' if t.response else ''}"
        for t in note.techniques.all()
    ]
    if techniques:
        lines.append("Techniques: " + "; ".join(techniques))
    for field in ("pain_before", "pain_after"):
        value = getattr(note, field)
        if value is not None:
            lines.append(f"{_label(field).capitalize()}: {value}")
    return "\n\n".join(lines)


def _document(note: SessionNote) -> dict[str, Any]:
    rendered = pdf.notes_pdf([note], client=note.client, audience="provider")
    when = note.signed_at or note.updated_at
    found: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": derived_id(note.pk, "document"),
        "identifier": identifier("session-note", note.pk),
        "status": "current",
        "docStatus": "final" if note.is_signed else "preliminary",
        "type": NOTE_TYPE,
        "category": [{"text": "Session note (SOAP)"}],
        "subject": ref("Patient", note.client_id),
        "date": instant(when),
        "author": [ref("Practitioner", note.author_id)],
        "description": f"Session note {note.seen_at:%Y-%m-%d}"
        + ("" if note.is_signed else " (draft, not signed)"),
        "content": [
            {
                "attachment": attachment(
                    rendered, "application/pdf", f"session-{note.seen_at:%Y-%m-%d}.pdf", when
                )
            },
            {
                "attachment": attachment(
                    note_text(note).encode(), "text/plain; charset=utf-8", "SOAP text", when
                )
            },
        ],
        "context": {
            "encounter": [ref("Encounter", note.pk)],
            "period": {"start": instant(note.seen_at)},
        },
        "meta": {"lastUpdated": instant(note.updated_at)},
    }
    if note.is_signed and note.signed_by_id:
        found["authenticator"] = ref("Practitioner", note.signed_by_id)
        found["extension"] = [{"url": CONTENT_SHA256, "valueString": note.content_hash}]
    if note.sensitive:
        found["meta"]["security"] = [RESTRICTED]
    return found


def _addendum(note: SessionNote, addendum: Addendum) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "id": str(addendum.pk),
        "identifier": identifier("addendum", addendum.pk),
        "status": "current",
        "docStatus": "amended",
        "type": NOTE_TYPE,
        "category": [{"text": "Addendum to a signed session note"}],
        "subject": ref("Patient", note.client_id),
        "date": instant(addendum.created_at),
        "author": [ref("Practitioner", addendum.author_id)],
        "description": f"Addendum of {addendum.created_at:%Y-%m-%d}",
        "relatesTo": [
            {"code": "appends", "target": ref("DocumentReference", derived_id(note.pk, "document"))}
        ],
        "content": [
            {
                "attachment": attachment(
                    addendum.text.encode(),
                    "text/plain; charset=utf-8",
                    "Addendum",
                    addendum.created_at,
                )
            }
        ],
        "context": {"encounter": [ref("Encounter", note.pk)]},
        "extension": [{"url": CONTENT_SHA256, "valueString": addendum.content_hash}],
    }


def documents(notes: list[SessionNote]) -> Iterable[dict[str, Any]]:
    for note in notes:
        yield _document(note)
        for addendum in note.addenda.all():
            yield _addendum(note, addendum)


def _observation(
    note: SessionNote, pk: str, code: dict[str, Any], kind: tuple[str, str]
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": pk,
        "status": "final" if note.is_signed else "preliminary",
        "category": category(*kind),
        "code": code,
        "subject": ref("Patient", note.client_id),
        "encounter": ref("Encounter", note.pk),
        "effectiveDateTime": instant(note.seen_at),
        "performer": [ref("Practitioner", note.author_id)],
    }


def _pain(note: SessionNote, when: str) -> dict[str, Any] | None:
    value = getattr(note, f"pain_{when}")
    if value is None:
        return None
    found = _observation(
        note,
        derived_id(note.pk, f"pain-{when}"),
        {**PAIN_CODE, "text": f"Pain {when} the session (0-10)"},
        ("survey", "Survey"),
    )
    found["valueInteger"] = value
    return found


def _palpation(note: SessionNote) -> Iterable[dict[str, Any]]:
    exam = ("exam", "Exam")
    for finding in note.rhythm_findings.all():
        found = _observation(
            note,
            str(finding.pk),
            {"text": f"Craniosacral rhythm at {finding.station.name} ({PALPATION_WORDS})"},
            exam,
        )
        components: list[dict[str, Any]] = []
        if finding.rate is not None:
            components.append(
                {
                    "code": {"text": "Rate (cycles per minute)"},
                    "valueQuantity": {
                        "value": float(finding.rate),
                        "unit": "/min",
                        "system": UCUM,
                        "code": "/min",
                    },
                }
            )
        for name, value in (
            ("Amplitude", finding.get_amplitude_display() if finding.amplitude else ""),
            ("Symmetry", finding.get_symmetry_display() if finding.symmetry else ""),
            ("Quality", finding.get_quality_display() if finding.quality else ""),
        ):
            if value:
                components.append(
                    {"code": {"text": name}, "valueCodeableConcept": {"text": str(value)}}
                )
        if components:
            found["component"] = components
        else:
            found["valueString"] = "palpated; nothing recorded"
        if finding.note_text:
            found["note"] = [{"text": finding.note_text}]
        found["method"] = {"text": "Palpation"}
        yield found
    for restriction in note.restrictions.all():
        found = _observation(
            note, str(restriction.pk), {"text": f"Restriction ({PALPATION_WORDS})"}, exam
        )
        found["bodySite"] = {"text": region_label(restriction.region, restriction.side)}
        found["valueCodeableConcept"] = {"text": f"Severity {restriction.severity} of 3"}
        found["method"] = {"text": "Palpation"}
        if restriction.note_text:
            found["note"] = [{"text": restriction.note_text}]
        yield found
    for still in note.still_points.all():
        found = _observation(
            note, str(still.pk), {"text": f"Still point ({PALPATION_WORDS})"}, exam
        )
        found["bodySite"] = {"text": str(still.get_location_display())}
        words = "induced" if still.induced else "spontaneous"
        if still.duration_seconds:
            found["valueQuantity"] = {
                "value": still.duration_seconds,
                "unit": "s",
                "system": UCUM,
                "code": "s",
            }
            found["note"] = [{"text": words}]
        else:
            found["valueString"] = words
        found["method"] = {"text": "Palpation"}
        yield found


def observations(notes: list[SessionNote]) -> Iterable[dict[str, Any]]:
    for note in notes:
        for when in ("before", "after"):
            pain = _pain(note, when)
            if pain is not None:
                yield pain
        yield from _palpation(note)
