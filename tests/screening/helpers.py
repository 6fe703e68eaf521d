"""Answers that fire nothing, and answers that fire exactly one shipped rule."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sacrum.screening.questions import (
    CHECKIN,
    DERIVED,
    INTAKE,
    NOT_SURE_REFERS_DEFAULT,
    YES_NO_VALUES,
    question_set,
)
from sacrum.screening.rules import rule_fields, shipped_rules


def quiet_answers(set_name: str) -> dict[str, Any]:
    """Every question answered, nothing alarming; the headache section is shown."""
    answers: dict[str, Any] = {}
    for q in question_set(set_name).questions():
        if q.type == "yes_no":
            answers[q.key] = "no"
        elif q.type == "number":
            answers[q.key] = 30 if q.key == "hx_onset_age" else (q.min or 0)
    if set_name == INTAKE:
        answers["headaches"] = "yes"
    return answers


def set_for(question: str) -> str:
    """The set a rule's question belongs to (derived facts, like the age, go with the intake)."""
    return INTAKE if question in question_set(INTAKE).by_key or question in DERIVED else CHECKIN


def rule_object(entry: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(**rule_fields(entry))


def triggering_answers(entry: dict[str, Any]) -> list[Any]:
    if entry["trigger_at_least"] is not None:
        return [entry["trigger_at_least"], entry["trigger_at_least"] + 20]
    return list(entry["trigger_answers"])


def unsure_refers(entry: dict[str, Any]) -> bool:
    """Whether "Not sure" to this rule's question proposes a referral (see the engine)."""
    return (
        entry["trigger_at_least"] is None
        and "not_sure" not in entry["trigger_answers"]
        and entry.get("refer_when_unsure", NOT_SURE_REFERS_DEFAULT)
    )


def silent_answers(entry: dict[str, Any]) -> list[Any]:
    if entry["trigger_at_least"] is not None:
        return [entry["trigger_at_least"] - 1, 0]
    return [
        a
        for a in YES_NO_VALUES
        if a not in entry["trigger_answers"] and not (a == "not_sure" and unsure_refers(entry))
    ]


def answers_firing(entry: dict[str, Any], value: Any) -> dict[str, Any]:
    """Quiet answers, with the rule's precondition met and its question set to ``value``."""
    answers = quiet_answers(set_for(entry["question"]))
    requires = entry.get("requires")
    if requires:
        answers[requires["question"]] = requires["answers"][0]
    answers[entry["question"]] = value
    return answers


SHIPPED = shipped_rules()
