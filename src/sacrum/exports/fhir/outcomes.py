"""Questionnaires answered (outcome measures and the health-history intake) as FHIR
QuestionnaireResponses; their totals and the headache diary as Observations."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sacrum.exports.fhir.common import category, derived_id, identifier, instant, ref
from sacrum.outcomes.definitions import ANSWER_SYSTEM, Instrument, number_text
from sacrum.outcomes.fhir import to_fhir
from sacrum.outcomes.models import DiaryEntry, InstrumentDefinition, Response
from sacrum.screening.models import Intake
from sacrum.screening.questions import INTAKE, QuestionSet, question_set

INSTRUMENT_SYSTEM = "urn:sacrum:instrument"
INTAKE_URL = "urn:sacrum:questionnaire:intake"


def questionnaires(rows: list[InstrumentDefinition]) -> Iterable[dict[str, Any]]:
    """The clinic's instruments as the outcomes app exports them (scoring in an
    extension); the id is the clinic's definition, as one key may have two versions."""
    for row in rows:
        found = to_fhir(row.instrument)
        found["id"] = str(row.pk)
        yield found


def _answer(instrument: Instrument, link_id: str, value: Any) -> dict[str, Any]:
    item = instrument.item_map.get(link_id)
    kind = item.type if item is not None else ""
    if kind == "choice" and item is not None:
        option = item.option(str(value))
        coding: dict[str, Any] = {"system": ANSWER_SYSTEM, "code": str(value)}
        if option is not None and option.display:
            coding["display"] = option.display
        return {"valueCoding": coding}
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if kind == "integer" and isinstance(value, int):
        return {"valueInteger": value}
    if kind == "decimal" and isinstance(value, int | float):
        return {"valueDecimal": value}
    if kind == "date":
        return {"valueDate": str(value)}
    return {"valueString": str(value)}


def _response(row: Response) -> dict[str, Any]:
    instrument = row.definition.instrument
    items = []
    for link_id, value in (row.answers or {}).items():
        item = instrument.item_map.get(link_id)
        entry: dict[str, Any] = {
            "linkId": str(link_id),
            "answer": [_answer(instrument, link_id, value)],
        }
        if item is not None and item.text:
            entry["text"] = item.text
        items.append(entry)
    found: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(row.pk),
        "identifier": identifier("outcome-response", row.pk)[0],
        "questionnaire": f"{instrument.url}|{instrument.version}",
        "status": "completed",
        "subject": ref("Patient", row.client_id),
        "authored": instant(row.completed_at),
        "source": ref("Patient", row.client_id),
    }
    if items:
        found["item"] = items
    return found


def _total(row: Response) -> dict[str, Any]:
    instrument = row.definition.instrument
    found: dict[str, Any] = {
        "resourceType": "Observation",
        "id": derived_id(row.pk, "total"),
        "status": "final",
        "category": category("survey", "Survey"),
        "code": {
            "coding": [
                {"system": INSTRUMENT_SYSTEM, "code": instrument.key, "display": instrument.title}
            ],
            "text": f"{instrument.title} score",
        },
        "subject": ref("Patient", row.client_id),
        "effectiveDateTime": instant(row.completed_at),
        "derivedFrom": [ref("QuestionnaireResponse", row.pk)],
    }
    if row.total is None:
        found["dataAbsentReason"] = {"text": row.score_note or "not scorable"}
    else:
        found["valueQuantity"] = {"value": row.total, "unit": "score"}
    notes = [f"Occasion: {row.get_occasion_display()}"]
    if row.session_number:
        notes.append(f"after session {row.session_number}")
    found["note"] = [{"text": ", ".join(notes)}]
    if row.band:
        found["interpretation"] = [{"text": row.band}]
    return found


def questionnaire_responses(rows: list[Response]) -> Iterable[dict[str, Any]]:
    return [_response(r) for r in rows]


def totals(rows: list[Response]) -> Iterable[dict[str, Any]]:
    return [_total(r) for r in rows]


@cache
def _intake_questions(version: int) -> QuestionSet:
    return question_set(INTAKE, version)


def _shown(question: Any, value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(question.label_for(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(question.label_for(value))


def intake(row: Intake) -> dict[str, Any]:
    """The health-history answers in the wording they were asked, as read by a person."""
    qset = _intake_questions(row.version)
    items = []
    for key, value in (row.answers or {}).items():
        if value in (None, "", []):
            continue
        question = qset.by_key.get(key)
        entry: dict[str, Any] = {"linkId": str(key)}
        if question is not None:
            entry["text"] = question.text
            entry["answer"] = [{"valueString": _shown(question, value)}]
        else:
            entry["answer"] = [
                {
                    "valueString": number_text(value)
                    if isinstance(value, int | float) and not isinstance(value, bool)
                    else str(value)
                }
            ]
        items.append(entry)
    found: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(row.pk),
        "identifier": identifier("intake", row.pk)[0],
        "questionnaire": f"{INTAKE_URL}|{row.version}",
        "status": "amended" if row.amended_at else "completed",
        "subject": ref("Patient", row.client_id),
        "authored": instant(row.submitted_at),
    }
    if items:
        found["item"] = items
    return found


def intakes(rows: list[Intake]) -> Iterable[dict[str, Any]]:
    return [intake(r) for r in rows]


def diary_day(row: DiaryEntry) -> dict[str, Any]:
    components: list[dict[str, Any]] = [
        {"code": {"text": "Headache"}, "valueBoolean": row.headache},
        {"code": {"text": "Acute headache medication taken"}, "valueBoolean": row.medication},
    ]
    if row.peak is not None:
        components.append({"code": {"text": "Peak intensity (0-10)"}, "valueInteger": row.peak})
    found: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(row.pk),
        "status": "final",
        "category": category("survey", "Survey"),
        "code": {"text": "Headache diary day"},
        "subject": ref("Patient", row.client_id),
        "effectiveDateTime": row.date.isoformat(),
        "component": components,
        "meta": {"lastUpdated": instant(row.updated_at)},
    }
    if row.note:
        found["note"] = [{"text": row.note}]
    return found


def diary(rows: list[DiaryEntry]) -> Iterable[dict[str, Any]]:
    return [diary_day(r) for r in rows]
