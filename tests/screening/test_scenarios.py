"""Lay-language situations, answered through the real public form, with a clinician's call.

Each scenario is what a person would honestly tick on the intake or the visit check-in
(reached from their link), written next to the situation in their words, and the
alerts a careful clinician expects: which rules, and whether the client must be told to
seek care now (urgent: no session or booking until a medical assessment is recorded).
The clock is fixed so ages from the date of birth are exact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.test import Client as HttpClient

from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic
from sacrum.screening import links
from sacrum.screening import services as screening
from sacrum.screening.gates import booking_gate, charting_gate
from sacrum.screening.models import CheckIn, ClientAlert, Intake
from sacrum.screening.questions import CHECKIN, INTAKE, question_set
from tests.conftest import Persona
from tests.emails import emailed_token
from tests.screening.conftest import sign_consent
from tests.screening.helpers import quiet_answers

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 15, 10, 0, tzinfo=dt.UTC)
SEEK_CARE = "Please seek urgent medical care now"


@dataclass
class Scenario:
    says: str  # the situation, in the person's words
    form: str
    born: dt.date
    answers: dict[str, Any]
    expect: set[str]  # the rules a clinician expects to fire
    urgent: bool = False
    ask_again: set[str] = field(default_factory=set)  # answers the form sends back to check

    @property
    def id(self) -> str:
        return self.says[:60]


def born(age: int) -> dt.date:
    """A birthday in June: on 15 March 2026 the person is ``age``."""
    return dt.date(2026 - age - 1, 6, 1)


NONE: set[str] = set()
SCENARIOS = [
    Scenario(
        "Last Tuesday the worst headache of my life hit me all at once, like a blow.",
        INTAKE,
        born(41),
        {
            "headaches": "yes",
            "hx_onset_age": 41,
            "hx_thunderclap": "yes",
            "hx_new_or_changed": "yes",
        },
        {"snnoop-04-thunderclap", "snnoop-06-new-or-changed"},
        urgent=True,
    ),
    Scenario(
        "I never get headaches. Two weeks ago my left arm went weak and my words came out "
        "slurred for half an hour; it passed.",
        INTAKE,
        born(63),
        {"neuro_new": "yes"},
        {"urgent-new-neuro-deficit"},
        urgent=True,
    ),
    Scenario(
        "I have flu, 38.5 degrees, and my neck is so stiff I can't look down.",
        INTAKE,
        born(24),
        {"fever_infection": "yes", "stiff_neck_or_rash": "yes"},
        {"warn-fever", "urgent-fever-stiff-neck-or-rash"},
        urgent=True,
    ),
    Scenario(
        "My neck is always stiff from the desk job; that's why I'm coming. No temperature.",
        INTAKE,
        born(38),
        {"fever_infection": "no"},
        NONE,
    ),
    Scenario(
        "I feel hot and shivery, not sure it's a fever, and there are little purple spots "
        "on my legs that stay when I press a glass on them.",
        INTAKE,
        born(19),
        {"fever_infection": "not_sure", "stiff_neck_or_rash": "yes"},
        {"warn-fever", "urgent-fever-stiff-neck-or-rash"},
        urgent=True,
    ),
    Scenario(
        "I had an epidural for my baby's birth ten days ago. Since then my head pounds "
        "whenever I sit up and eases when I lie flat. The midwife said it's normal.",
        INTAKE,
        born(31),
        {
            "epidural_or_lumbar_puncture_recent": "yes",
            "puncture_positional_headache": "yes",
            "pregnant_or_postpartum": "yes",
            "headaches": "yes",
            "hx_onset_age": 31,
            "hx_new_or_changed": "yes",
            "hx_posture": "yes",
        },
        {
            "warn-epidural-lp",
            "block-post-puncture-headache",
            "snnoop-06-new-or-changed",
            "snnoop-07-positional",
            "snnoop-11-pregnancy",
        },
    ),
    Scenario(
        "I had a spinal tap two weeks ago for tests; no headache since.",
        INTAKE,
        born(47),
        {"epidural_or_lumbar_puncture_recent": "yes", "puncture_positional_headache": "no"},
        {"warn-epidural-lp"},
    ),
    Scenario(
        "Spinal tap three weeks ago. I've had headaches since; I can't tell if lying down helps.",
        INTAKE,
        born(55),
        {"epidural_or_lumbar_puncture_recent": "yes", "puncture_positional_headache": "not_sure"},
        {"warn-epidural-lp", "block-post-puncture-headache"},
    ),
    Scenario(
        "It was a very bad headache and came on fast, but I honestly can't say if it was "
        "seconds or a few minutes.",
        INTAKE,
        born(36),
        {"headaches": "yes", "hx_onset_age": 20, "hx_thunderclap": "not_sure"},
        {"snnoop-04-thunderclap"},  # refers: uncertainty is talked through, not ignored
    ),
    Scenario(
        "I'm 58. I never had headaches until this winter; now most mornings.",
        INTAKE,
        born(58),
        {"headaches": "yes", "hx_onset_age": 58, "hx_new_or_changed": "yes"},
        {"snoop4-onset-after-50", "snoop4-new-pattern-after-50", "snnoop-06-new-or-changed"},
    ),
    Scenario(
        "I'm 70 and these headaches are new since the summer.",
        INTAKE,
        born(70),
        {"headaches": "yes", "hx_onset_age": 70, "hx_new_or_changed": "yes"},
        {
            "snnoop-05-older-onset",
            "snnoop-05-new-pattern-after-65",
            "snoop4-onset-after-50",
            "snoop4-new-pattern-after-50",
            "snnoop-06-new-or-changed",
        },
    ),
    Scenario(
        "I'm 52; I've had the same migraines since I was twenty, nothing has changed.",
        INTAKE,
        born(52),
        {"headaches": "yes", "hx_onset_age": 20, "hx_new_or_changed": "no"},
        NONE,
    ),
    Scenario(
        "I'm 49 (50 tomorrow) and my headaches changed this year; they began at 30.",
        INTAKE,
        dt.date(1976, 3, 16),
        {"headaches": "yes", "hx_onset_age": 30, "hx_new_or_changed": "yes"},
        {"snnoop-06-new-or-changed"},
    ),
    Scenario(
        "It's my 50th birthday today and my headaches changed this year; they began at 30.",
        INTAKE,
        dt.date(1976, 3, 15),
        {"headaches": "yes", "hx_onset_age": 30, "hx_new_or_changed": "yes"},
        {"snnoop-06-new-or-changed", "snoop4-new-pattern-after-50"},
    ),
    Scenario(
        "I'm 34 and typed 43 for when my headaches started (a slip).",
        INTAKE,
        born(34),
        {"headaches": "yes", "hx_onset_age": 43},
        NONE,
        ask_again={"hx_onset_age"},
    ),
    Scenario(
        "My hand has been numb for years from carpal tunnel; nothing new.",
        INTAKE,
        born(45),
        {"neuro_new": "no"},
        NONE,
    ),
    Scenario(
        "I don't usually get headaches, but last month one came on like a thunderclap.",
        INTAKE,
        born(39),
        {
            "headaches": "yes",
            "hx_onset_age": 39,
            "hx_thunderclap": "yes",
            "hx_new_or_changed": "yes",
        },
        {"snnoop-04-thunderclap", "snnoop-06-new-or-changed"},
        urgent=True,
    ),
    Scenario(
        "I fell off my bike a month ago and was concussed.",
        INTAKE,
        born(27),
        {"head_injury_recent": "yes"},
        {"block-head-injury"},
    ),
    Scenario(
        "I take warfarin for my heart rhythm.",
        INTAKE,
        born(72),
        {"anticoagulants": "yes"},
        {"warn-anticoagulants"},
    ),
    Scenario(
        "Three days ago I had a sudden explosive headache; it has gone now.",
        CHECKIN,
        born(44),
        {"checkin_thunderclap_since": "yes"},
        {"checkin-thunderclap-since"},
        urgent=True,
    ),
    Scenario(
        "On Sunday one side of my face drooped for a few minutes; I'm fine now.",
        CHECKIN,
        born(66),
        {"checkin_neuro_since": "yes"},
        {"checkin-neuro-since"},
        urgent=True,
    ),
    Scenario(
        "I have a temperature today and my neck hurts when I bend my chin down.",
        CHECKIN,
        born(29),
        {"checkin_fever_now": "yes", "checkin_stiff_neck_or_rash": "yes"},
        {"checkin-fever", "checkin-fever-stiff-neck-or-rash"},
        urgent=True,
    ),
    Scenario(
        "A bit of a temperature today with a cold; my neck is fine.",
        CHECKIN,
        born(35),
        {"checkin_fever_now": "yes", "checkin_stiff_neck_or_rash": "no"},
        {"checkin-fever"},
    ),
    Scenario(
        "My sight went blurry for a moment last week; I'm not sure if that counts.",
        CHECKIN,
        born(57),
        {"checkin_neuro_since": "not_sure"},
        {"checkin-neuro-since"},  # refers, not urgent
    ),
    Scenario(
        "Nothing new since last time; my back aches a little.",
        CHECKIN,
        born(40),
        {"checkin_pain": 3},
        NONE,
    ),
]


def honest_baseline(form: str) -> dict[str, Any]:
    """Someone with nothing to report: "No" to each question, no headaches, pain 0."""
    answers = quiet_answers(form)
    if form == INTAKE:
        answers["headaches"] = "no"
        answers.pop("hx_onset_age", None)
    return answers


def post_form(client: Client, front_desk: Any, form: str, answers: dict[str, Any]) -> Any:
    """The person opens their link and sends the form, as the browser would post it."""
    links.create_link(actor=front_desk.actor, client=client, purpose=form)
    raw = emailed_token("/intake/")
    http = HttpClient(REMOTE_ADDR="198.51.100.4")
    assert http.get(links.link_path(raw)).status_code == 200
    data = {k: str(v) for k, v in answers.items()}
    return http.post(links.link_path(raw), data, follow=True)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario(
    scenario: Scenario, front_desk: Persona, practitioner: Persona, clinic: Clinic
) -> None:
    with time_machine.travel(NOW, tick=False):
        client = Client.objects.create(
            clinic=clinic,
            first_name="Sam",
            last_name="Reed",
            date_of_birth=scenario.born,
            email="sam@example.test",
        )
        sign_consent(practitioner, client)
        if scenario.form == CHECKIN:  # the first visit was screened already
            screening.submit_intake(
                actor=practitioner.actor, client=client, answers=honest_baseline(INTAKE)
            )
        answers = honest_baseline(scenario.form) | scenario.answers
        assert set(answers) <= set(question_set(scenario.form).by_key)
        response = post_form(client, front_desk, scenario.form, answers)
        html = response.content.decode()

        if scenario.ask_again:
            assert response.status_code == 422
            for key in scenario.ask_again:
                assert f'id="{key}-error"' in html
            assert "more than your age today" in html
            assert not Intake.objects.filter(client=client).exists()
            return

        assert response.status_code == 200 and "Thank you" in html
        stored = Intake if scenario.form == INTAKE else CheckIn
        assert stored.objects.filter(client=client, via="link").exists()
        alerts = ClientAlert.objects.filter(client=client, status="open")
        assert {a.rule.code for a in alerts} == scenario.expect
        assert any(a.urgent for a in alerts) is scenario.urgent
        assert (SEEK_CARE in html) is scenario.urgent
        if scenario.urgent or any(a.action == "block" for a in alerts):
            assert charting_gate(client) and booking_gate(client)
        if not scenario.expect:
            assert charting_gate(client) == [] and booking_gate(client) == []


def test_there_are_at_least_twenty_scenarios_on_both_forms() -> None:
    assert len(SCENARIOS) >= 20
    assert {s.form for s in SCENARIOS} == {INTAKE, CHECKIN}
