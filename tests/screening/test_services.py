"""Screening through its services: firings, alerts, the gates, clearance and acknowledgement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sacrum.access.models import AuditEntry
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic
from sacrum.clinics.services import create_clinic
from sacrum.kernel.errors import Conflict, Forbidden
from sacrum.screening import services
from sacrum.screening.gates import (
    BOOKING_BLOCKED,
    CONSENT_MISSING,
    NO_INTAKE,
    booking_gate,
    charting_gate,
)
from sacrum.screening.models import AlertStatus, ClientAlert, Firing, Intake, Rule
from sacrum.screening.rules import install_shipped_rules, shipped_rules
from tests.conftest import Persona, make_user
from tests.screening.helpers import quiet_answers


def test_every_new_clinic_gets_the_shipped_rules_once(clinic: Clinic) -> None:
    assert Rule.objects.filter(clinic=clinic).count() == len(shipped_rules())
    assert install_shipped_rules(clinic.pk) == 0
    other = create_clinic(name="Other", time_zone="Europe/Berlin", owner=make_user("o@x.test"))
    assert Rule.objects.filter(clinic=other).count() == len(shipped_rules())


def test_a_client_without_consent_or_intake_cannot_be_charted(a_client: Client) -> None:
    assert charting_gate(a_client) == [CONSENT_MISSING["none"], NO_INTAKE]
    assert booking_gate(a_client) == []


def test_quiet_intake_opens_the_gates(
    intake_with: Callable[..., tuple[Intake, list[Firing]]], a_client: Client
) -> None:
    intake, firings = intake_with()
    assert firings == []
    assert charting_gate(a_client) == [] and booking_gate(a_client) == []
    assert AuditEntry.objects.filter(action="create", object_id=str(intake.pk)).exists()


def test_a_block_holds_until_a_physicians_clearance(
    intake_with: Callable[..., tuple[Intake, list[Firing]]], a_client: Client, practitioner: Persona
) -> None:
    _intake, firings = intake_with(head_injury_recent="yes")
    assert [(f.rule.code, f.answer, f.source) for f in firings] == [
        ("block-head-injury", "yes", "intake")
    ]
    alert = firings[0].alert
    assert booking_gate(a_client) == [BOOKING_BLOCKED]
    assert "concussion" not in BOOKING_BLOCKED.lower()
    assert any("Blocked" in r and "head injury" in r for r in charting_gate(a_client))

    with pytest.raises(Conflict):
        services.acknowledge(actor=practitioner.actor, alert=alert)
    with pytest.raises(ValidationError) as exc:
        services.record_clearance(
            actor=practitioner.actor, alert=alert, physician_name="", cleared_on=None
        )
    assert {"physician_name", "cleared_on", "note"} <= set(exc.value.message_dict)
    assert booking_gate(a_client)

    services.record_clearance(
        actor=practitioner.actor,
        alert=alert,
        physician_name="Dr Elizabeth Blackwell",
        cleared_on=dt.date.today(),
        note="Seen on the phone; CT clear, fine to have light-touch work.",
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLEARED and alert.resolved_by == practitioner.user
    assert booking_gate(a_client) == [] and charting_gate(a_client) == []
    with pytest.raises(Conflict):
        services.record_clearance(
            actor=practitioner.actor,
            alert=alert,
            physician_name="Again",
            cleared_on=dt.date.today(),
            note="x",
        )


def test_clearance_with_an_uploaded_letter(
    intake_with: Callable[..., tuple[Intake, list[Firing]]],
    practitioner: Persona,
    pdf_letter: SimpleUploadedFile,
) -> None:
    _intake, firings = intake_with(aneurysm="not_sure")
    clearance = services.record_clearance(
        actor=practitioner.actor,
        alert=firings[0].alert,
        physician_name="Dr Blackwell",
        cleared_on=dt.date.today(),
        letter=pdf_letter,
    )
    assert clearance.letter.name is not None
    assert clearance.letter.name.endswith(".pdf")


def test_clearance_date_in_the_future_is_refused(
    intake_with: Callable[..., tuple[Intake, list[Firing]]], practitioner: Persona
) -> None:
    _intake, firings = intake_with(aneurysm="yes")
    with pytest.raises(ValidationError) as exc:
        services.record_clearance(
            actor=practitioner.actor,
            alert=firings[0].alert,
            physician_name="Dr B",
            cleared_on=dt.date.today() + dt.timedelta(days=3),
            note="x",
        )
    assert "cleared_on" in exc.value.message_dict


def test_a_warning_needs_acknowledgement_before_charting(
    intake_with: Callable[..., tuple[Intake, list[Firing]]], a_client: Client, practitioner: Persona
) -> None:
    _intake, firings = intake_with(anticoagulants="yes")
    assert booking_gate(a_client) == []
    assert charting_gate(a_client) == [
        "Warning not yet acknowledged: Takes anticoagulant medication."
    ]
    services.acknowledge(actor=practitioner.actor, alert=firings[0].alert, note="Light pressure.")
    assert charting_gate(a_client) == []
    with pytest.raises(Conflict):
        services.acknowledge(actor=practitioner.actor, alert=firings[0].alert)


def test_a_referral_does_not_gate_but_needs_a_reason_to_dismiss(
    intake_with: Callable[..., tuple[Intake, list[Firing]]], a_client: Client, practitioner: Persona
) -> None:
    a_client.date_of_birth = dt.date(1950, 6, 1)
    a_client.save()
    _intake, firings = intake_with(hx_onset_age=67)
    # SNNOOP10 (after 65) and SNOOP4 (after 50) both propose a referral.
    assert sorted(f.rule.code for f in firings) == [
        "snnoop-05-older-onset",
        "snoop4-onset-after-50",
    ]
    assert {f.answer for f in firings} == {"67"}
    assert charting_gate(a_client) == [] and booking_gate(a_client) == []
    with pytest.raises(ValidationError):
        services.acknowledge(actor=practitioner.actor, alert=firings[0].alert, note="")
    services.acknowledge(
        actor=practitioner.actor, alert=firings[0].alert, note="GP already investigating."
    )


def test_front_desk_cannot_enter_or_act_on_screening(
    front_desk: Persona, a_client: Client, intake_with: Callable[..., tuple[Intake, list[Firing]]]
) -> None:
    with pytest.raises(Forbidden):
        services.submit_intake(
            actor=front_desk.actor, client=a_client, answers=quiet_answers("intake")
        )
    _intake, firings = intake_with(anticoagulants="yes")
    with pytest.raises(Forbidden):
        services.acknowledge(actor=front_desk.actor, alert=firings[0].alert)


def test_a_second_firing_joins_the_open_alert(
    intake_with: Callable[..., tuple[Intake, list[Firing]]], a_client: Client
) -> None:
    intake_with(anticoagulants="yes")
    intake_with(anticoagulants="yes")
    assert ClientAlert.objects.filter(client=a_client).count() == 1
    assert Firing.objects.filter(client=a_client).count() == 2


def test_a_firing_after_acknowledgement_opens_a_new_alert(
    intake_with: Callable[..., tuple[Intake, list[Firing]]], a_client: Client, practitioner: Persona
) -> None:
    _i, firings = intake_with(anticoagulants="yes")
    services.acknowledge(actor=practitioner.actor, alert=firings[0].alert)
    intake_with(anticoagulants="yes")
    assert ClientAlert.objects.filter(client=a_client, status="open").count() == 1


def test_check_in_reruns_screening(
    practitioner: Persona, a_client: Client, intake_with: Callable[..., tuple[Intake, list[Firing]]]
) -> None:
    """An intake without findings, then a check-in that reports a new medicine."""
    intake_with()
    answers = quiet_answers("checkin") | {"checkin_medication_changed": "yes", "checkin_pain": 6}
    check_in, firings = services.record_check_in(
        actor=practitioner.actor, client=a_client, answers=answers
    )
    assert check_in.pain == 6
    assert [(f.rule.code, f.source) for f in firings] == [("checkin-medication-changed", "checkin")]
    assert charting_gate(a_client) == [
        "Warning not yet acknowledged: Medication changed since the last visit."
    ]


def test_bad_answers_are_refused_and_nothing_is_written(
    practitioner: Persona, a_client: Client
) -> None:
    answers = quiet_answers("intake") | {"aneurysm": "maybe", "hx_onset_age": 300, "shoe_size": "9"}
    del answers["epilepsy"]
    with pytest.raises(ValidationError) as exc:
        services.submit_intake(actor=practitioner.actor, client=a_client, answers=answers)
    assert set(exc.value.message_dict) == {"aneurysm", "hx_onset_age", "shoe_size", "epilepsy"}
    assert not Intake.objects.exists() and not Firing.objects.exists()


def test_headache_questions_are_dropped_when_the_client_has_no_headaches(
    practitioner: Persona, a_client: Client
) -> None:
    answers = quiet_answers("intake") | {"headaches": "no", "hx_thunderclap": "yes"}
    intake, firings = services.submit_intake(
        actor=practitioner.actor, client=a_client, answers=answers
    )
    assert "hx_thunderclap" not in intake.answers and firings == []


def test_amending_an_answer_away_withdraws_the_alert(
    practitioner: Persona, intake_with: Callable[..., tuple[Intake, list[Firing]]], a_client: Client
) -> None:
    intake, firings = intake_with(aneurysm="yes")
    assert booking_gate(a_client)
    with pytest.raises(ValidationError) as exc:
        services.amend_intake(
            actor=practitioner.actor, intake=intake, answers={"aneurysm": "no"}, note=""
        )
    assert "note" in exc.value.message_dict
    services.amend_intake(
        actor=practitioner.actor,
        intake=intake,
        answers={"aneurysm": "no", "anticoagulants": "yes"},
        note="Client confused aneurysm with an angioma on the skin; takes apixaban.",
    )
    intake.refresh_from_db()
    assert intake.answers["aneurysm"] == "no" and intake.amended_at
    amendment = intake.amendments.get()
    assert amendment.changes == {
        "aneurysm": {"from": "yes", "to": "no"},
        "anticoagulants": {"from": "no", "to": "yes"},
    }
    firings[0].alert.refresh_from_db()
    assert firings[0].alert.status == AlertStatus.WITHDRAWN
    assert booking_gate(a_client) == []
    assert charting_gate(a_client) == [
        "Warning not yet acknowledged: Takes anticoagulant medication."
    ]
    assert AuditEntry.objects.filter(action="update", object_id=str(intake.pk)).count() == 1


def test_amending_nothing_writes_nothing(
    practitioner: Persona, intake_with: Callable[..., tuple[Intake, list[Firing]]]
) -> None:
    intake, _ = intake_with()
    before = AuditEntry.objects.count()
    services.amend_intake(
        actor=practitioner.actor, intake=intake, answers={"epilepsy": "no"}, note=""
    )
    assert AuditEntry.objects.count() == before and not intake.amendments.exists()


def test_owner_edits_a_rule_and_it_changes_what_fires(
    owner: Persona, practitioner: Persona, a_client: Client
) -> None:
    rule = Rule.objects.get(clinic=owner.clinic, code="warn-anticoagulants")
    services.update_rule(actor=owner.actor, rule=rule, data={"action": "block"})
    _i, firings = services.submit_intake(
        actor=practitioner.actor,
        client=a_client,
        answers=quiet_answers("intake") | {"anticoagulants": "yes"},
    )
    assert firings[0].action == "block" and booking_gate(a_client)
    with pytest.raises(Forbidden):
        services.update_rule(actor=practitioner.actor, rule=rule, data={"active": False})


def test_owner_adds_a_rule_and_bad_rules_are_refused(owner: Persona) -> None:
    rule = services.create_rule(
        actor=owner.actor,
        code="warn-severe-pain",
        data={
            "title": "Severe pain at check-in",
            "question": "checkin_pain",
            "trigger_at_least": 9,
            "action": "warn",
            "explanation": "Pain 9 or 10: ask what changed.",
        },
    )
    assert not rule.shipped and rule.trigger_at_least == 9
    with pytest.raises(ValidationError) as exc:
        services.create_rule(
            actor=owner.actor,
            code="bad",
            data={
                "title": "Bad",
                "question": "aneurysm",
                "trigger_answers": ["perhaps"],
                "action": "warn",
                "explanation": "x",
            },
        )
    assert "trigger_answers" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.create_rule(
            actor=owner.actor,
            code="warn-severe-pain",
            data={
                "title": "Dup",
                "question": "epilepsy",
                "trigger_answers": ["yes"],
                "action": "warn",
                "explanation": "x",
            },
        )
    assert "code" in exc.value.message_dict
    assert Rule.objects.filter(clinic=owner.clinic, shipped=False).count() == 1
