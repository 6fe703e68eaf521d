"""FHIR R4 Questionnaire export, and a clinic's licensed item texts matched to our scoring.

Export: the definition as a Questionnaire (validated with ``fhir.resources.R4B``), the
scoring block carried in one extension so a re-import is complete.
Import: a clinic holds the wording of PHQ-9, HIT-6 … as a FHIR Questionnaire file (for
example a published free version). Its questions are matched to the shipped scoring by
``linkId`` or, failing that, by position; answers by their numeric value (ordinalValue)
or code. Anything that doesn't fit raises ``DefinitionError`` naming the problem, and the
scoring itself never comes from the file.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from sacrum.outcomes.definitions import (
    ANSWER_SYSTEM,
    ORDINAL_URL,
    DefinitionError,
    Instrument,
    Item,
    number_text,
    ordinal_of,
    parse_definition,
    to_fraction,
)

SCORING_EXTENSION = "urn:sacrum:fhir:StructureDefinition/scoring"
MAX_IMPORT_BYTES = 2_000_000
QUESTION_TYPES = {
    "choice",
    "open-choice",
    "integer",
    "decimal",
    "boolean",
    "string",
    "text",
    "date",
}
COMPATIBLE = {
    "choice": {"choice", "open-choice"},
    "integer": {"integer", "decimal"},
    "decimal": {"decimal", "integer"},
    "boolean": {"boolean"},
    "string": {"string", "text"},
    "text": {"text", "string"},
    "date": {"date"},
}


def _validate_r4(document: Mapping[str, Any]) -> None:
    from fhir.resources.R4B.questionnaire import Questionnaire

    try:
        Questionnaire.model_validate(dict(document))
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise DefinitionError(
            [f"not a valid FHIR R4 Questionnaire ({where}: {first.get('msg')})"]
        ) from exc


def to_fhir(instrument: Instrument) -> dict[str, Any]:
    """The definition as a FHIR R4 Questionnaire resource, validated."""
    source = copy.deepcopy(instrument.source)
    scoring = source.pop("scoring")
    sacrum = source.pop("sacrum", {})
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": instrument.key,
        "url": instrument.url,
        "version": instrument.version,
        "name": instrument.name,
        "title": instrument.title,
        "status": source.get("status", "active"),
        "item": source.get("item", []),
        "extension": [
            {
                "url": SCORING_EXTENSION,
                "valueString": json.dumps(
                    {"scoring": scoring, "sacrum": sacrum}, ensure_ascii=False
                ),
            }
        ],
    }
    for key in ("description", "copyright", "publisher"):
        if source.get(key):
            resource[key] = source[key]
    _validate_r4(resource)
    return resource


def from_fhir(document: Mapping[str, Any]) -> Instrument:
    """Read back a Questionnaire this module exported (scoring in its extension)."""
    _validate_r4(document)
    raw = dict(document)
    extension = next(
        (e for e in raw.pop("extension", []) or [] if e.get("url") == SCORING_EXTENSION), None
    )
    if extension is None:
        raise DefinitionError(["this Questionnaire carries no Sacrum scoring"])
    try:
        carried = json.loads(extension["valueString"])
    except (KeyError, ValueError) as exc:
        raise DefinitionError(["the scoring extension is not readable JSON"]) from exc
    raw["scoring"] = carried.get("scoring")
    raw["sacrum"] = carried.get("sacrum", {})
    return parse_definition(raw)


# --- A clinic's wording ---------------------------------------------------------------


def _questions(items: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Answerable items in document order, looking inside groups; display items skipped."""
    found: list[Mapping[str, Any]] = []
    for item in items:
        if item.get("type") in QUESTION_TYPES:
            found.append(item)
        found.extend(_questions(item.get("item") or []))
    return found


def load_document(text: str | bytes) -> dict[str, Any]:
    """A clinic's upload as a JSON object, with a clear error for anything else."""
    if len(text) > MAX_IMPORT_BYTES:
        raise DefinitionError([f"the file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB"])
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise DefinitionError([f"the file is not JSON ({exc})"]) from exc
    if not isinstance(document, dict):
        raise DefinitionError(["the file must hold one FHIR Questionnaire object"])
    return document


def _match_items(
    instrument: Instrument, questions: list[Mapping[str, Any]]
) -> tuple[list[tuple[Item, Mapping[str, Any]]], str]:
    ours = list(instrument.items)
    by_link = {str(q.get("linkId")): q for q in questions}
    if all(item.link_id in by_link for item in ours):
        return [(item, by_link[item.link_id]) for item in ours], "linkId"
    if len(questions) == len(ours):
        return list(zip(ours, questions, strict=True)), "position"
    missing = [i.link_id for i in ours if i.link_id not in by_link]
    raise DefinitionError(
        [
            f"the file has {len(questions)} question{'' if len(questions) == 1 else 's'} "
            f"but the {instrument.title} scoring expects "
            f"{len(ours)} ({', '.join(i.link_id for i in ours)}); matching by linkId also failed "
            f"(no item {', '.join(repr(m) for m in missing[:5])}{' …' if len(missing) > 5 else ''})"
        ]
    )


def _option_texts(
    item: Item, question: Mapping[str, Any], where: str
) -> tuple[dict[str, str], list[str]]:
    """Our option code -> the file's display text, matched by value, else by code, else order."""
    options = question.get("answerOption") or []
    problems: list[str] = []
    if len(options) != len(item.options):
        values = ", ".join(number_text(o.value) for o in item.options)
        return {}, [
            f"{where}: has {len(options)} answer options; the scoring expects {len(item.options)} (values {values})"
        ]
    texts: dict[str, str] = {}

    def display(option: Mapping[str, Any]) -> str:
        coding = option.get("valueCoding") or {}
        return str(coding.get("display") or option.get("valueString") or "")

    raw_values = [ordinal_of(o) for o in options]
    if all(v is not None for v in raw_values):
        by_value = {o.value: o.code for o in item.options}
        for option, raw in zip(options, raw_values, strict=True):
            try:
                value = to_fraction(raw)
            except (TypeError, ValueError):
                problems.append(f"{where}: answer value {raw!r} is not a number")
                continue
            if value not in by_value:
                expected = ", ".join(number_text(v) for v in by_value)
                problems.append(
                    f"{where}: answer value {number_text(value)} does not match the scoring's values ({expected})"
                )
                continue
            texts[by_value[value]] = display(option)
        return texts, problems
    codes = [str((o.get("valueCoding") or {}).get("code") or "") for o in options]
    if sorted(codes) == sorted(o.code for o in item.options):
        return {code: display(o) for code, o in zip(codes, options, strict=True)}, problems
    # No values and other codes: the published order is the scoring order.
    return {ours.code: display(o) for ours, o in zip(item.options, options, strict=True)}, problems


def attach_texts(instrument: Instrument, document: Mapping[str, Any]) -> Instrument:
    """The shipped definition with the wording from a clinic's FHIR Questionnaire file.

    Raises ``DefinitionError`` listing every mismatch (question count, types, answer
    values); the scoring, bands and MIC always stay the shipped ones.
    """
    _validate_r4(document)
    questions = _questions(list(document.get("item") or []))
    if not questions:
        raise DefinitionError(["the file has no questions"])
    pairs, _mode = _match_items(instrument, questions)
    problems: list[str] = []
    merged = copy.deepcopy(instrument.source)
    raw_items = {str(i["linkId"]): i for i in merged["item"]}
    for item, question in pairs:
        where = f"question {question.get('linkId') or '?'} (our item {item.link_id})"
        kind = str(question.get("type"))
        if kind not in COMPATIBLE.get(item.type, {item.type}):
            problems.append(f"{where}: is a {kind} question; the scoring expects {item.type}")
            continue
        text = str(question.get("text") or "").strip()
        if not text:
            problems.append(f"{where}: has no text")
        raw_item = raw_items[item.link_id]
        raw_item["text"] = text
        if item.type == "choice":
            texts, option_problems = _option_texts(item, question, where)
            problems.extend(option_problems)
            for option in raw_item.get("answerOption", []):
                code = option["valueCoding"]["code"]
                if texts.get(code):
                    option["valueCoding"]["display"] = texts[code]
    if problems:
        raise DefinitionError(problems, f"{instrument.title} wording")
    merged["sacrum"] = {
        **merged.get("sacrum", {}),
        "texts_from": str(document.get("title") or document.get("name") or ""),
    }
    return parse_definition(merged)


def answer_option(value: int | float, display: str = "") -> dict[str, Any]:
    """One answer option in our format (used by tests and the editor)."""
    coding: dict[str, Any] = {"system": ANSWER_SYSTEM, "code": number_text(to_fraction(value))}
    if display:
        coding["display"] = display
    return {"valueCoding": coding, "extension": [{"url": ORDINAL_URL, "valueDecimal": value}]}
