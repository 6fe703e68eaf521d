"""Every shipped rule fires on its triggering answer and stays silent otherwise.

Table-driven from ``data/rules.json``: adding a rule there adds its cases here.
"""

from __future__ import annotations

from typing import Any

import pytest

from sacrum.screening.engine import Hit, answer_triggers, evaluate, urgent_triggers
from sacrum.screening.models import Rule
from sacrum.screening.questions import CHECKIN, DERIVED, INTAKE, all_questions, question_set
from tests.screening.helpers import (
    SHIPPED,
    answers_firing,
    quiet_answers,
    rule_object,
    set_for,
    silent_answers,
    triggering_answers,
    unsure_refers,
)

RULES = [rule_object(entry) for entry in SHIPPED]
CASES = [(entry, value) for entry in SHIPPED for value in triggering_answers(entry)]
QUIET = [(entry, value) for entry in SHIPPED for value in silent_answers(entry)]


def codes(hits: list[Hit]) -> set[str]:
    return {h.rule.code for h in hits}


def test_the_shipped_set_covers_safety_md() -> None:
    actions = [e["action"] for e in SHIPPED]
    assert actions.count("block") == 7
    assert actions.count("warn") >= 9
    # The 15 SNNOOP10 items as asked; item 5 also from the date of birth (client_age).
    snnoop = [
        e for e in SHIPPED if e["code"].startswith("snnoop-") and e["question"] not in DERIVED
    ]
    assert len(snnoop) == 15
    assert all("Neurology 2019" in e["source"] for e in snnoop)
    assert all(
        e["requires"] == {"question": "headaches", "answers": ["yes", "not_sure"]} for e in snnoop
    )
    urgent = {e["code"] for e in SHIPPED if e["urgent"]}
    assert {
        "snnoop-03-neuro-deficit",
        "snnoop-04-thunderclap",
        "urgent-new-neuro-deficit",
        "urgent-fever-stiff-neck-or-rash",
        "checkin-thunderclap-since",
        "checkin-neuro-since",
        "checkin-fever-stiff-neck-or-rash",
    } == urgent
    assert len({e["code"] for e in SHIPPED}) == len(SHIPPED)


def test_every_shipped_rule_reads_a_real_question_and_validates() -> None:
    questions = all_questions()
    for entry in SHIPPED:
        assert entry["question"] in questions, entry["code"]
        rule = Rule(**rule_object(entry).__dict__)
        rule.clean()  # raises on a rule the owner could not have saved either


def test_quiet_answers_fire_nothing() -> None:
    assert evaluate(RULES, quiet_answers(INTAKE)) == []
    assert evaluate(RULES, quiet_answers(CHECKIN)) == []


@pytest.mark.parametrize(
    ("entry", "value"), CASES, ids=lambda x: x["code"] if isinstance(x, dict) else str(x)
)
def test_rule_fires_on_its_trigger(entry: dict[str, Any], value: Any) -> None:
    answers = answers_firing(entry, value)
    hits = [h for h in evaluate(RULES, answers) if h.rule.code == entry["code"]]
    assert len(hits) == 1
    assert hits[0].answer == value and hits[0].question == entry["question"]
    assert hits[0].action == entry["action"]
    # The answers are valid for the real form, so the stored path sees the same thing
    # (a derived fact such as the age is not asked: the service adds it from the record).
    set_name = set_for(entry["question"])
    asked = {k: v for k, v in answers.items() if k not in DERIVED}
    cleaned, errors = question_set(set_name).clean(asked)
    assert errors == {}
    assert entry["question"] in DERIVED or cleaned[entry["question"]] == value


@pytest.mark.parametrize(
    ("entry", "value"), QUIET, ids=lambda x: x["code"] if isinstance(x, dict) else str(x)
)
def test_rule_is_silent_otherwise(entry: dict[str, Any], value: Any) -> None:
    assert entry["code"] not in codes(evaluate(RULES, answers_firing(entry, value)))


@pytest.mark.parametrize("entry", [e for e in SHIPPED if e["requires"]], ids=lambda e: e["code"])
def test_rule_is_silent_when_its_precondition_does_not_hold(entry: dict[str, Any]) -> None:
    answers = answers_firing(entry, triggering_answers(entry)[0])
    answers[entry["requires"]["question"]] = "no"
    assert entry["code"] not in codes(evaluate(RULES, answers))


def test_inactive_rules_never_fire() -> None:
    entry = SHIPPED[0]
    rule = rule_object(entry)
    rule.active = False
    assert evaluate([rule], answers_firing(entry, "yes")) == []


def test_hits_come_blocks_first() -> None:
    answers = quiet_answers(INTAKE) | {
        "anticoagulants": "yes",
        "aneurysm": "yes",
        "hx_cancer": "yes",
    }
    assert [h.action for h in evaluate(RULES, answers)] == ["block", "warn", "refer"]


def test_threshold_and_answer_matching() -> None:
    rule = rule_object(next(e for e in SHIPPED if e["question"] == "hx_onset_age"))
    assert answer_triggers(rule, 65) and answer_triggers(rule, 80)
    assert not answer_triggers(rule, 64) and not answer_triggers(rule, None)
    assert not answer_triggers(rule, True)


def test_urgent_questions_for_the_form() -> None:
    urgent = urgent_triggers(RULES)
    assert urgent["hx_thunderclap"] == ["yes"]
    assert urgent["hx_neuro_deficit"] == ["yes"]
    assert urgent["neuro_new"] == ["yes"]
    assert urgent["stiff_neck_or_rash"] == ["yes"]
    assert urgent["checkin_thunderclap_since"] == ["yes"]
    assert "anticoagulants" not in urgent


UNSURE = [e for e in SHIPPED if unsure_refers(e)]


@pytest.mark.parametrize("entry", UNSURE, ids=lambda e: e["code"])
def test_not_sure_to_a_red_flag_refers(entry: dict[str, Any]) -> None:
    """ "Not sure" is never silent: it proposes a referral, never urgent, never a block."""
    hits = [
        h
        for h in evaluate(RULES, answers_firing(entry, "not_sure"))
        if h.rule.code == entry["code"]
    ]
    assert len(hits) == 1
    assert hits[0].action == "refer" and not hits[0].urgent and hits[0].unsure


def test_every_yes_only_yes_no_rule_refers_on_not_sure() -> None:
    yes_no = [e for e in SHIPPED if e["trigger_at_least"] is None and e["question"] not in DERIVED]
    assert all("not_sure" in e["trigger_answers"] or e in UNSURE for e in yes_no)
    assert {"snnoop-04-thunderclap", "urgent-new-neuro-deficit", "checkin-neuro-since"} <= {
        e["code"] for e in UNSURE
    }


@pytest.mark.parametrize("entry", UNSURE[:3], ids=lambda e: e["code"])
def test_a_rule_can_opt_out_of_not_sure(entry: dict[str, Any]) -> None:
    rule = rule_object(entry)
    rule.refer_when_unsure = False
    assert evaluate([rule], answers_firing(entry, "not_sure")) == []


NEW_RULES = {
    "urgent-new-neuro-deficit",
    "urgent-fever-stiff-neck-or-rash",
    "block-post-puncture-headache",
    "snoop4-onset-after-50",
    "snoop4-new-pattern-after-50",
    "snnoop-05-new-pattern-after-65",
    "checkin-thunderclap-since",
    "checkin-neuro-since",
    "checkin-fever",
    "checkin-fever-stiff-neck-or-rash",
}


@pytest.mark.parametrize(
    "entry", [e for e in SHIPPED if e["code"] in NEW_RULES], ids=lambda e: e["code"]
)
def test_each_new_rule_has_a_source_an_explanation_and_client_wording(
    entry: dict[str, Any],
) -> None:
    assert len(entry["source"]) > 40 and len(entry["explanation"]) > 60
    question = all_questions()[entry["question"]]
    assert question.text  # the client's wording (or, for the age, what the record gives)
    if entry["urgent"]:
        assert "medically assessed" in entry["explanation"]


def test_the_new_rule_set_is_shipped() -> None:
    assert {e["code"] for e in SHIPPED} >= NEW_RULES


def test_the_check_in_asks_since_the_last_visit_not_right_now() -> None:
    texts = [q.text for q in question_set(CHECKIN).questions()]
    assert not any(t.startswith("Right now") for t in texts)
    since = [t for t in texts if t.startswith("Since your last visit")]
    assert any("all at once" in t for t in since) and any("weakness" in t for t in since)


def test_neurological_symptoms_are_asked_of_everyone() -> None:
    intake = question_set(INTAKE)
    section = next(s for s in intake.sections if any(q.key == "neuro_new" for q in s.questions))
    assert section.show_if is None
    text = intake.by_key["neuro_new"].text.lower()
    for word in ("weakness", "numbness", "speaking", "sight", "confusion", "balance"):
        assert word in text
