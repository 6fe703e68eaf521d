"""Urgent findings and uncertain answers in the services: escalation, letters, migration."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from django.apps import apps as django_apps

from sacrum.clients.models import Client
from sacrum.screening import letters
from sacrum.screening.gates import booking_gate, charting_gate
from sacrum.screening.models import ClientAlert, Firing, Intake, Rule
from sacrum.screening.rules import shipped_rules
from tests.conftest import Persona

pytestmark = pytest.mark.django_db


def test_not_sure_refers_then_yes_makes_it_urgent(
    intake_with: Callable[..., tuple[Intake, list[Firing]]], a_client: Client, practitioner: Persona
) -> None:
    _intake, firings = intake_with(headaches="yes", hx_thunderclap="not_sure")
    alert = ClientAlert.objects.get(client=a_client, rule__code="snnoop-04-thunderclap")
    assert (alert.action, alert.urgent, firings[0].answer) == ("refer", False, "not_sure")
    assert charting_gate(a_client) == []  # a referral is proposed; nothing is held
    intake_with(headaches="yes", hx_thunderclap="yes")
    alert.refresh_from_db()
    assert alert.status == "open" and alert.urgent  # the same alert, now urgent
    assert charting_gate(a_client)[0].startswith("Urgent:") and booking_gate(a_client)


def test_an_owner_can_switch_off_not_sure_for_a_rule(
    intake_with: Callable[..., tuple[Intake, list[Firing]]], a_client: Client, owner: Persona
) -> None:
    Rule.objects.filter(clinic=owner.clinic, code="snnoop-02-cancer").update(
        refer_when_unsure=False
    )
    _intake, firings = intake_with(headaches="yes", hx_cancer="not_sure")
    assert firings == []


def test_sending_a_referral_letter_does_not_lift_an_urgent_hold(
    intake_with: Callable[..., tuple[Intake, list[Firing]]], a_client: Client, practitioner: Persona
) -> None:
    a_client.physician_name = "Dr Mary Somerville"
    a_client.save()
    intake_with(neuro_new="yes")
    letter = letters.draft_letter(actor=practitioner.actor, client=a_client)
    assert letter.urgent
    letters.finalize(actor=practitioner.actor, letter=letter, how="print")
    alert = ClientAlert.objects.get(client=a_client, rule__code="urgent-new-neuro-deficit")
    assert alert.status == "open"
    assert charting_gate(a_client) and booking_gate(a_client)


def test_existing_clinics_get_the_new_rules_and_keep_their_edits(owner: Persona) -> None:
    clinic = owner.clinic
    Rule.objects.filter(clinic=clinic, code="urgent-new-neuro-deficit").delete()
    Rule.objects.filter(clinic=clinic, code="checkin-neuro-since").update(title="Our wording")
    migration = importlib.import_module(
        "sacrum.screening.migrations.0006_urgent_neurological_meningeal_and_puncture_rules"
    )
    migration.forward(django_apps, None)
    codes = set(Rule.objects.filter(clinic=clinic).values_list("code", flat=True))
    assert {r["code"] for r in shipped_rules()} <= codes
    assert Rule.objects.get(clinic=clinic, code="checkin-neuro-since").title == "Our wording"
    added = Rule.objects.get(clinic=clinic, code="urgent-new-neuro-deficit")
    assert added.urgent and added.shipped and added.refer_when_unsure
