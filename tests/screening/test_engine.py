"""Every shipped rule fires on its triggering answer and stays silent otherwise.

Table-driven from ``data/rules.json``: adding a rule there adds its cases here.
"""

from __future__ import annotations

import pytest

from sacrum.screening.engine import answer_triggers, evaluate, urgent_triggers
from sacrum.screening.models import Rule
from sacrum.screening.questions import CHECKIN, INTAKE, all_questions, question_set
from tests.screening.helpers import (
    SHIPPED,
    answers_firing,
    quiet_answers,
    rule_object,
    silent_answers,
    triggering_answers,
)

RULES = [rule_object(entry) for entry in SHIPPED]
CASES = [(entry, value) for entry in SHIPPED for value in triggering_answers(entry)]
QUIET = [(entry, value) for entry in SHIPPED for value in silent_answers(entry)]


def codes(hits):
    return {h.rule.code for h in hits}


def test_the_shipped_set_covers_safety_md():
    actions = [e["action"] for e in SHIPPED]
    assert actions.count("block") == 6
    assert actions.count("warn") >= 9
    snnoop = [e for e in SHIPPED if e["code"].startswith("snnoop-")]
    assert len(snnoop) == 15
    assert all("Neurology 2019" in e["source"] for e in snnoop)
    assert all(
        e["requires"] == {"question": "headaches", "answers": ["yes", "not_sure"]} for e in snnoop
    )
    urgent = {e["code"] for e in SHIPPED if e["urgent"]}
    assert {"snnoop-03-neuro-deficit", "snnoop-04-thunderclap"} <= urgent
    assert len({e["code"] for e in SHIPPED}) == len(SHIPPED)


def test_every_shipped_rule_reads_a_real_question_and_validates():
    questions = all_questions()
    for entry in SHIPPED:
        assert entry["question"] in questions, entry["code"]
        rule = Rule(**rule_object(entry).__dict__)
        rule.clean()  # raises on a rule the owner could not have saved either


def test_quiet_answers_fire_nothing():
    assert evaluate(RULES, quiet_answers(INTAKE)) == []
    assert evaluate(RULES, quiet_answers(CHECKIN)) == []


@pytest.mark.parametrize(
    ("entry", "value"), CASES, ids=lambda x: x["code"] if isinstance(x, dict) else str(x)
)
def test_rule_fires_on_its_trigger(entry, value):
    answers = answers_firing(entry, value)
    hits = [h for h in evaluate(RULES, answers) if h.rule.code == entry["code"]]
    assert len(hits) == 1
    assert hits[0].answer == value and hits[0].question == entry["question"]
    assert hits[0].action == entry["action"]
    # The answers are valid for the real form, so the stored path sees the same thing.
    set_name = INTAKE if entry["question"] in question_set(INTAKE).by_key else CHECKIN
    cleaned, errors = question_set(set_name).clean(answers)
    assert errors == {} and cleaned[entry["question"]] == value


@pytest.mark.parametrize(
    ("entry", "value"), QUIET, ids=lambda x: x["code"] if isinstance(x, dict) else str(x)
)
def test_rule_is_silent_otherwise(entry, value):
    assert entry["code"] not in codes(evaluate(RULES, answers_firing(entry, value)))


@pytest.mark.parametrize("entry", [e for e in SHIPPED if e["requires"]], ids=lambda e: e["code"])
def test_rule_is_silent_when_its_precondition_does_not_hold(entry):
    answers = answers_firing(entry, triggering_answers(entry)[0])
    answers[entry["requires"]["question"]] = "no"
    assert entry["code"] not in codes(evaluate(RULES, answers))


def test_inactive_rules_never_fire():
    entry = SHIPPED[0]
    rule = rule_object(entry)
    rule.active = False
    assert evaluate([rule], answers_firing(entry, "yes")) == []


def test_hits_come_blocks_first():
    answers = quiet_answers(INTAKE) | {
        "anticoagulants": "yes",
        "aneurysm": "yes",
        "hx_cancer": "yes",
    }
    assert [h.action for h in evaluate(RULES, answers)] == ["block", "warn", "refer"]


def test_threshold_and_answer_matching():
    rule = rule_object(next(e for e in SHIPPED if e["question"] == "hx_onset_age"))
    assert answer_triggers(rule, 65) and answer_triggers(rule, 80)
    assert not answer_triggers(rule, 64) and not answer_triggers(rule, None)
    assert not answer_triggers(rule, True)


def test_urgent_questions_for_the_form():
    urgent = urgent_triggers(RULES)
    assert urgent["hx_thunderclap"] == ["yes"]
    assert urgent["hx_neuro_deficit"] == ["yes"]
    assert "anticoagulants" not in urgent
