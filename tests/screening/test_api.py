"""Screening through /api/v1: intakes, check-ins, alerts, the gates and the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sacrum.access.models import AuditEntry
from sacrum.clients.models import Client
from sacrum.screening.models import Firing, Intake, Rule
from tests.conftest import ApiClient, Persona
from tests.screening.conftest import sign_consent
from tests.screening.helpers import quiet_answers


def test_intake_through_the_api_fires_and_the_gates_report(
    practitioner: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    sign_consent(practitioner, a_client)
    http = api(practitioner)
    answers = quiet_answers("intake") | {"head_injury_recent": "yes", "anticoagulants": "yes"}
    status, body = http.post(f"/clients/{a_client.pk}/intakes", {"answers": answers})
    assert status == 201, body
    assert {f["rule_code"] for f in body["firings"]} == {"block-head-injury", "warn-anticoagulants"}

    status, body = http.get(f"/clients/{a_client.pk}/screening")
    assert status == 200
    assert len(body["booking_gate"]) == 1 and len(body["charting_gate"]) == 2
    block = next(a for a in body["alerts"] if a["action"] == "block")
    warn = next(a for a in body["alerts"] if a["action"] == "warn")
    assert block["firings"][0]["answer"] == "yes"

    status, body = http.post(f"/alerts/{warn['id']}/acknowledge", {"note": "Noted"})
    assert status == 200 and body["status"] == "acknowledged"
    assert body["acknowledgement"]["note"] == "Noted"
    status, body = http.post(f"/alerts/{warn['id']}/acknowledge", {})
    assert status == 409 and body["error"]["code"] == "conflict"

    status, body = http.post(
        f"/alerts/{block['id']}/clearance",
        {"physician_name": "Dr Blackwell", "cleared_on": "2020-01-02", "note": "Cleared by phone"},
    )
    assert status == 200 and body["status"] == "cleared"
    assert body["clearance"]["physician_name"] == "Dr Blackwell"
    status, body = http.get(f"/clients/{a_client.pk}/screening")
    assert body["booking_gate"] == [] and body["charting_gate"] == []


def test_bad_intake_gets_field_messages_and_writes_nothing(
    practitioner: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    answers = quiet_answers("intake") | {"aneurysm": "perhaps"}
    status, body = api(practitioner).post(f"/clients/{a_client.pk}/intakes", {"answers": answers})
    assert status == 422
    assert "answers.aneurysm" in body["error"]["fields"]
    answers = quiet_answers("intake")
    del answers["hx_systemic"]
    status, body = api(practitioner).post(f"/clients/{a_client.pk}/intakes", {"answers": answers})
    assert status == 422 and "hx_systemic" in body["error"]["fields"]
    assert not Intake.objects.exists()


def test_amend_through_the_api_is_audited(
    practitioner: Persona,
    api: Callable[[Persona], ApiClient],
    intake_with: Callable[..., tuple[Intake, list[Firing]]],
) -> None:
    intake, _ = intake_with()
    status, body = api(practitioner).patch(
        f"/intakes/{intake.pk}", {"answers": {"epilepsy": "yes"}, "note": "Told me at the visit"}
    )
    assert status == 200, body
    assert body["answers"]["epilepsy"] == "yes"
    assert [f["rule_code"] for f in body["firings"]] == ["warn-epilepsy"]
    assert AuditEntry.objects.filter(action="update", object_id=str(intake.pk)).exists()


def test_check_in_through_the_api(
    practitioner: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    answers = quiet_answers("checkin") | {"checkin_thunderclap_since": "yes", "checkin_pain": 8}
    status, body = api(practitioner).post(f"/clients/{a_client.pk}/check-ins", {"answers": answers})
    assert status == 201, body
    assert [f["rule_code"] for f in body["firings"]] == ["checkin-thunderclap-since"]
    status, body = api(practitioner).get(f"/check-ins/{body['id']}")
    assert status == 200 and body["answers"]["checkin_pain"] == 8


def test_pain_out_of_range_is_refused(
    practitioner: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    answers = quiet_answers("checkin") | {"checkin_pain": 11}
    status, body = api(practitioner).post(f"/clients/{a_client.pk}/check-ins", {"answers": answers})
    assert status == 422 and "answers.checkin_pain" in body["error"]["fields"]


def test_front_desk_is_refused_screening_data(
    front_desk: Persona,
    api: Callable[[Persona], ApiClient],
    a_client: Client,
    intake_with: Callable[..., tuple[Intake, list[Firing]]],
) -> None:
    intake, firings = intake_with(anticoagulants="yes")
    http = api(front_desk)
    before = AuditEntry.objects.count()
    for path in (
        f"/clients/{a_client.pk}/screening",
        f"/clients/{a_client.pk}/intakes",
        f"/intakes/{intake.pk}",
        f"/alerts/{firings[0].alert_id}",
        "/screening/rules",
    ):
        status, _ = http.get(path)
        assert status == 403, path
    status, _ = http.post(f"/alerts/{firings[0].alert_id}/acknowledge", {})
    assert status == 403
    assert AuditEntry.objects.count() == before


def test_owner_edits_rules_through_the_api(
    owner: Persona, practitioner: Persona, api: Callable[[Persona], ApiClient]
) -> None:
    status, body = api(owner).get("/screening/rules?page_size=200")
    assert status == 200 and body["count"] == Rule.objects.filter(clinic=owner.clinic).count()
    rule_id = next(r["id"] for r in body["items"] if r["code"] == "warn-epilepsy")
    status, body = api(practitioner).patch(f"/screening/rules/{rule_id}", {"active": False})
    assert status == 403
    status, body = api(owner).patch(f"/screening/rules/{rule_id}", {"active": False})
    assert status == 200 and body["active"] is False
    status, body = api(owner).patch(f"/screening/rules/{rule_id}", {"trigger_answers": ["maybe"]})
    assert status == 422 and "trigger_answers" in body["error"]["fields"]
    status, body = api(owner).post(
        "/screening/rules",
        {
            "code": "warn-very-high-pain",
            "title": "Very high pain",
            "question": "checkin_pain",
            "trigger_at_least": 9,
            "action": "warn",
            "explanation": "Ask what changed.",
        },
    )
    assert status == 201, body


def test_the_question_sets_are_published(
    practitioner: Persona, api: Callable[[Persona], ApiClient]
) -> None:
    status, body = api(practitioner).get("/screening/questions?form=checkin")
    assert status == 200 and body["set"] == "checkin"
    assert "checkin_pain" in {q["key"] for s in body["sections"] for q in s["questions"]}


def test_firings_record_the_answer(
    intake_with: Callable[..., tuple[Intake, list[Firing]]], a_client: Client
) -> None:
    a_client.date_of_birth = dt.date(1950, 6, 1)  # old enough for headaches that began at 70
    a_client.save()
    intake_with(hx_onset_age=70)
    firing = Firing.objects.get(rule__code="snnoop-05-older-onset")
    assert (firing.question, firing.answer, firing.answer_label) == ("hx_onset_age", "70", "70")
