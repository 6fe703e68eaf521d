"""Who may erase, erasing twice, statistics after erasure, and an erased client's dead ends;
the retention rule for adults and minors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient

from sacrum.access.models import AuditEntry
from sacrum.charting import services as charting_services
from sacrum.clients import services as client_services
from sacrum.clients.models import Client
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Forbidden, Locked
from sacrum.outcomes.reports import practice_report
from sacrum.outcomes.selectors import practice_spread
from sacrum.portal import services as portal_services
from sacrum.retention import services
from sacrum.retention.models import Erasure, RetentionPolicy
from sacrum.retention.rules import retained_until
from sacrum.scheduling.models import Appointment
from sacrum.screening.gates import ERASED, booking_gate
from sacrum.web.demo import seed_demo


def staff(member: Any) -> StaffActor:
    return StaffActor(user=member.user, member=member, ip="127.0.0.1", user_agent="pytest")


def test_the_rule_for_adults_and_minors() -> None:
    uk = RetentionPolicy(years_after_last_contact=8, age_of_majority=18, years_after_majority=7)
    adult = retained_until(uk, dt.date(1980, 5, 1), dt.date(2026, 6, 10))
    assert adult == dt.date(2034, 6, 10)
    child = retained_until(uk, dt.date(2016, 2, 29), dt.date(2026, 6, 10))
    assert child == dt.date(2041, 2, 28), "until the 25th birthday (29 February → 28th)"
    seventeen = retained_until(uk, dt.date(2009, 1, 1), dt.date(2026, 6, 10))
    assert seventeen == dt.date(2034, 6, 10), "8 years after contact is later than the 25th"


def _report_counts(actor: StaffActor) -> list[tuple[Any, ...]]:
    return [
        (r.condition, r.instrument_key, r.with_baseline, r.with_follow_up, r.responders)
        for r in practice_report(actor).rows
    ]


def test_owners_erase_once_statistics_stay_and_the_client_is_out_of_reach(db: Any) -> None:
    ctx = seed_demo(log=lambda _line: None)
    owner, practitioner = ctx["members"]["owner"], ctx["members"]["practitioner"]
    client = (
        Client.objects.filter(clinic=ctx["clinic"], archived=False, outcome_summaries__isnull=False)
        .distinct()
        .first()
    )
    assert client is not None
    name = f"{client.first_name} {client.last_name}"

    with pytest.raises(Forbidden):
        services.erase_client(
            actor=staff(practitioner), client=client, reason="client_request", confirmation=name
        )
    as_practitioner = HttpClient()
    as_practitioner.force_login(
        practitioner.user, backend="django.contrib.auth.backends.ModelBackend"
    )
    refused = as_practitioner.post(
        f"/api/v1/clients/{client.pk}/erasure",
        {"reason": "client_request", "confirmation": name},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert as_practitioner.get(f"/clients/{client.pk}/erase").status_code == 403

    as_owner = HttpClient()
    as_owner.force_login(owner.user, backend="django.contrib.auth.backends.ModelBackend")
    wrong = as_owner.post(
        f"/api/v1/clients/{client.pk}/erasure",
        {"reason": "client_request", "confirmation": "Someone Else"},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and not Erasure.objects.exists()

    report_before = _report_counts(staff(owner))
    spread_before = practice_spread(ctx["clinic"].pk)
    visits_before = Appointment.objects.filter(clinic=ctx["clinic"]).count()

    first = as_owner.post(
        f"/api/v1/clients/{client.pk}/erasure",
        {"reason": "client_request", "confirmation": name.upper()},
        content_type="application/json",
    )
    assert first.status_code == 200, first.content
    again = as_owner.post(
        f"/api/v1/clients/{client.pk}/erasure",
        {"reason": "other", "confirmation": "anything"},
        content_type="application/json",
    )
    assert again.status_code == 200 and again.json()["reference"] == first.json()["reference"]
    assert Erasure.objects.count() == 1
    entries = AuditEntry.objects.filter(object_id=first.json()["reference"])
    assert [e.object_type for e in entries] == ["client_erasure:client_request"]
    assert "retained_name" not in first.json()

    assert _report_counts(staff(owner)) == report_before
    assert practice_spread(ctx["clinic"].pk) == spread_before
    assert Appointment.objects.filter(clinic=ctx["clinic"]).count() == visits_before

    client.refresh_from_db()
    assert as_owner.get(f"/api/v1/clients/{client.pk}").status_code == 404
    assert as_owner.get(f"/clients/{client.pk}/").status_code == 404
    assert booking_gate(client) == [ERASED]
    with pytest.raises(charting_services.ChartingRefused):
        charting_services.start_note(actor=staff(practitioner), client=client)
    with pytest.raises(ValidationError):
        portal_services.invite(actor=staff(owner), client=client)
    with pytest.raises(Locked):
        client_services.update_client(actor=staff(owner), client=client, data={"archived": False})
    listed = as_owner.get("/api/v1/erasures").json()
    assert [e["reference"] for e in listed["items"]] == [first.json()["reference"]]
    assert name not in str(listed), "the API never returns the held identity"
    rule = as_owner.put(
        "/api/v1/retention-policy",
        {"preset": "custom", "years_after_last_contact": 12, "years_after_majority": 3},
        content_type="application/json",
    )
    assert rule.status_code == 200 and rule.json()["years_after_last_contact"] == 12
    bad = as_owner.put(
        "/api/v1/retention-policy",
        {"preset": "custom", "years_after_last_contact": 0},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert as_practitioner.get("/api/v1/retention-policy").status_code == 403
    page = as_owner.get("/clinic/retention").content.decode()
    assert first.json()["reference"] in page and name in page
