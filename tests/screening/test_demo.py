"""The screening demo: varied histories, and running it twice changes nothing."""

from __future__ import annotations

from typing import Any

from sacrum.clients import consent
from sacrum.screening import demo as screening_demo
from sacrum.screening.gates import booking_gate, charting_gate
from sacrum.screening.models import ClientAlert, Intake
from sacrum.web.demo import seed_demo


def test_demo_has_a_blocked_a_referred_and_a_warned_client(db: Any) -> None:
    ctx = seed_demo(log=lambda _line: None)
    clinic = ctx["clinic"]
    open_alerts = ClientAlert.objects.filter(client__clinic=clinic, status="open")
    blocked = open_alerts.get(rule__code="block-head-injury").client
    assert booking_gate(blocked) and any("head injury" in r for r in charting_gate(blocked))
    referred = open_alerts.get(rule__code="snnoop-05-older-onset").client
    assert referred.age >= 65
    assert open_alerts.filter(client=referred, rule__code="snnoop-06-new-or-changed").exists()
    warned = open_alerts.get(rule__code="warn-anticoagulants").client
    assert charting_gate(warned) == [
        "Warning not yet acknowledged: Takes anticoagulant medication."
    ]
    assert ClientAlert.objects.filter(client__clinic=clinic, status="cleared").count() == 1
    assert ClientAlert.objects.filter(client__clinic=clinic, status="acknowledged").count() == 1
    signed = [c for c in ctx["clients"] if consent.has_current_consent(c)]
    assert len(signed) == Intake.objects.filter(client__clinic=clinic).count() > 40

    before = (Intake.objects.count(), ClientAlert.objects.count())
    assert screening_demo.seed(ctx) == "Screening: already seeded."
    assert (Intake.objects.count(), ClientAlert.objects.count()) == before
