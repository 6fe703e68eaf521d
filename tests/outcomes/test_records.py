"""Responses, diary days, summaries and alerts through the services and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from fhir.resources.R4B.questionnaire import Questionnaire

from sacrum.access.models import AuditEntry
from sacrum.outcomes import services
from sacrum.outcomes.models import DiaryEntry, OutcomeAlert, OutcomeSummary, Response

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


def test_the_total_is_computed_never_typed(
    a_client: Any, practitioner: Any, api: Any, definitions: Any
) -> None:
    status, body = api(practitioner).post(
        f"/clients/{a_client.pk}/responses",
        {
            "instrument_id": str(definitions["gad-7"].pk),
            "answers": {str(n): "2" for n in range(1, 8)},
            "occasion": "baseline",
            "total": 3,
        },
    )
    assert status == 201, body
    assert body["total"] == 14 and body["band"] == "Moderate"
    response = Response.objects.get(pk=body["id"])
    response.total = 99  # even through the ORM, save() scores the stored answers
    response.save()
    response.refresh_from_db()
    assert response.total == 14


def test_bad_answers_are_refused_by_item(
    a_client: Any, practitioner: Any, api: Any, definitions: Any
) -> None:
    status, body = api(practitioner).post(
        f"/clients/{a_client.pk}/responses",
        {"instrument_id": str(definitions["phq-9"].pk), "answers": {"1": "7", "12": "1"}},
    )
    assert status == 422
    assert "1: '7' is not one of the answers (0, 1, 2, 3)" in body["error"]["fields"]["answers"]
    assert "PHQ-9 has no item '12'" in body["error"]["fields"]["answers"]
    assert not Response.objects.exists()


def test_summary_follows_every_write(a_client: Any, practitioner: Any, definitions: Any) -> None:
    actor, odi = practitioner.actor, definitions["odi"]
    services.record_response(
        actor=actor,
        client=a_client,
        definition=odi,
        answers={str(n): "3" for n in range(1, 11)},
        occasion="baseline",
        completed_at=days_ago(40),
        condition="low-back-pain",
    )
    summary = OutcomeSummary.objects.get(client=a_client, instrument_key="odi")
    assert (summary.baseline_value, summary.status, summary.has_follow_up) == (
        60.0,
        "no_data",
        False,
    )

    later = services.record_response(
        actor=actor,
        client=a_client,
        definition=odi,
        answers={str(n): "2" for n in range(1, 11)},
        completed_at=days_ago(10),
    )
    summary.refresh_from_db()
    assert (summary.latest_value, summary.change, summary.improvement) == (40.0, -20.0, 20.0)
    assert (
        summary.status == "improved" and summary.responder and summary.condition == "low-back-pain"
    )

    services.delete_response(actor=actor, response=later)
    summary.refresh_from_db()
    assert summary.status == "no_data" and summary.latest_value == 60.0


def test_phq9_item_9_raises_an_immediate_alert(
    a_client: Any, practitioner: Any, owner: Any, api: Any, definitions: Any
) -> None:
    answers = {str(n): "0" for n in range(1, 9)} | {"9": "1"}
    status, body = api(practitioner).post(
        f"/clients/{a_client.pk}/responses",
        {"instrument_id": str(definitions["phq-9"].pk), "answers": answers},
    )
    assert status == 201 and body["alerts"] == ["self_harm"]
    alert = OutcomeAlert.objects.get(client=a_client)
    assert alert.acknowledged_at is None
    # The clinicians are told at once, without health data in the e-mail.
    assert mail.outbox and set(mail.outbox[0].to) == {
        "owner@stillwater.test",
        "pat@stillwater.test",
    }
    assert "PHQ" not in mail.outbox[0].body and a_client.last_name not in mail.outbox[0].body

    status, listed = api(owner).get("/outcomes/alerts")
    assert status == 200 and [a["id"] for a in listed] == [str(alert.pk)]
    status, _ = api(practitioner).post(f"/outcome-alerts/{alert.pk}/acknowledge", {})
    assert status == 200
    assert api(owner).get("/outcomes/alerts")[1] == []


def test_an_incomplete_form_still_alerts_and_is_stored_unscored(
    a_client: Any, practitioner: Any, definitions: Any
) -> None:
    response = services.record_response(
        actor=practitioner.actor,
        client=a_client,
        definition=definitions["phq-9"],
        answers={"9": "2"},
    )
    assert response.total is None and "8 of 9 items unanswered" in response.score_note
    assert OutcomeAlert.objects.filter(response=response).exists()


def test_diary_one_entry_a_day(a_client: Any, practitioner: Any, api: Any) -> None:
    base = f"/clients/{a_client.pk}/diary"
    status, body = api(practitioner).post(
        base, {"date": "2025-01-10", "headache": True, "peak": 7, "medication": True}
    )
    assert status == 201, body
    status, body = api(practitioner).post(
        base, {"date": "2025-01-10", "headache": False, "medication": False}
    )
    assert status == 409 and body["error"]["fields"] == {"date": "Already recorded."}
    status, body = api(practitioner).post(
        base, {"date": "2025-01-11", "headache": False, "peak": 4, "medication": False}
    )
    assert status == 422 and "peak" in body["error"]["fields"]
    status, body = api(practitioner).post(
        base, {"date": "2025-01-11", "headache": True, "peak": 11, "medication": False}
    )
    assert status == 422
    entry = DiaryEntry.objects.get(client=a_client)
    status, body = api(practitioner).patch(
        f"/diary-entries/{entry.pk}", {"peak": 5, "note": "after a long drive"}
    )
    assert status == 200 and body["peak"] == 5
    status, listed = api(practitioner).get(f"{base}?start=2025-01-01&end=2025-01-31")
    assert [e["date"] for e in listed] == ["2025-01-10"]


def test_diary_summary_per_28_days(a_client: Any, practitioner: Any) -> None:
    start = timezone.localdate() - dt.timedelta(days=70)
    for n in range(70):
        day = start + dt.timedelta(days=n)
        # First 28 days: a headache every other day (14); later days: every fourth day.
        headache = n % 2 == 0 if n < 28 else n % 4 == 0
        services.add_diary_entry(
            actor=practitioner.actor,
            client=a_client,
            data={
                "date": day,
                "headache": headache,
                "peak": 5 if headache else None,
                "medication": headache and n % 3 == 0,
            },
        )
    summary = OutcomeSummary.objects.get(client=a_client, instrument_key="headache-diary")
    assert summary.baseline_value == 14
    assert summary.latest_value == 7  # days 42..69: n % 4 == 0 -> 44, 48, …, 68
    assert summary.status == "improved"  # 50 % fewer headache days
    assert summary.condition == "headache"


def test_wording_import_through_the_api(
    owner: Any, practitioner: Any, api: Any, definitions: Any
) -> None:
    isi = definitions["isi"]
    document = {
        "resourceType": "Questionnaire",
        "status": "active",
        "title": "Placeholder ISI",
        "item": [
            {
                "linkId": str(n),
                "type": "choice",
                "text": f"Item {n}",
                "answerOption": [
                    {
                        "valueCoding": {"code": str(v), "display": f"Answer {v}"},
                        "extension": [
                            {
                                "url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
                                "valueDecimal": v,
                            }
                        ],
                    }
                    for v in range(5)
                ],
            }
            for n in range(1, 8)
        ],
    }
    status, _ = api(practitioner).post(
        f"/outcomes/instruments/{isi.pk}/wording", {"document": document}
    )
    assert status == 403  # the owner decides what the clinic is licensed to use
    status, body = api(owner).post(
        f"/outcomes/instruments/{isi.pk}/wording",
        {"document": {**document, "item": document["item"][:6]}},
    )
    assert status == 422 and "the file has 6 questions" in body["error"]["fields"]["document"]
    status, body = api(owner).post(
        f"/outcomes/instruments/{isi.pk}/wording", {"document": document}
    )
    assert status == 200 and body["texts_loaded"] and body["texts_from"] == "Placeholder ISI"
    status, resource = api(owner).get(f"/outcomes/instruments/{isi.pk}/fhir")
    assert status == 200
    items = Questionnaire.model_validate(resource).item
    assert items is not None and items[0].text == "Item 1"


def test_reading_outcomes_is_audited_and_clinical(
    a_client: Any, practitioner: Any, front_desk: Any, api: Any, definitions: Any
) -> None:
    services.record_response(
        actor=practitioner.actor,
        client=a_client,
        definition=definitions["pain-nrs"],
        answers={"pain": 4},
    )
    http = api(practitioner)  # creating its token is audited too
    before = AuditEntry.objects.count()
    status, measures = http.get(f"/clients/{a_client.pk}/outcomes")
    assert status == 200 and measures[0]["instrument_key"] == "pain-nrs"
    assert (
        AuditEntry.objects.filter(object_type="client_outcomes", object_id=str(a_client.pk)).count()
        == 1
    )
    assert AuditEntry.objects.count() == before + 1
    assert api(front_desk).get(f"/clients/{a_client.pk}/outcomes")[0] == 403
    assert api(front_desk).get("/outcomes/instruments")[0] == 403


def test_service_refuses_other_clinics_clients(
    a_client: Any, outsider: Any, definitions: Any
) -> None:
    with pytest.raises(ValidationError):
        services.record_response(
            actor=outsider.actor,
            client=a_client,
            definition=definitions["pain-nrs"],
            answers={"pain": 2},
        )
