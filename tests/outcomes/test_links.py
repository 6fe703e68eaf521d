"""Secure links: they expire, a questionnaire link works once, and nothing shows without one."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from sacrum.access.models import AuditEntry
from sacrum.outcomes import links
from sacrum.outcomes.models import DiaryEntry, OutcomeAlert, QuestionnaireLink, Response

pytestmark = pytest.mark.django_db


def sent_token() -> str:
    match = re.search(r"/q/([^/\s]+)/", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_a_link_is_emailed_and_only_its_hash_is_stored(
    a_client: Any, practitioner: Any, api: Any, definitions: Any
) -> None:
    status, body = api(practitioner).post(
        f"/clients/{a_client.pk}/questionnaire-links",
        {"instrument_id": str(definitions["pain-nrs"].pk)},
    )
    assert status == 201 and body["sent_to"] == "ada@example.test"
    token = sent_token()
    assert body["url"] is None  # the token exists only in the e-mail
    link = QuestionnaireLink.objects.get()
    assert token not in link.token_digest and link.token_digest == links.digest(token)
    assert "pain" not in mail.outbox[-1].body.lower()  # no health data in the e-mail
    assert mail.outbox[-1].to == ["ada@example.test"]


def test_a_questionnaire_link_works_once(
    a_client: Any, practitioner: Any, client: Any, definitions: Any
) -> None:
    links.send_link(actor=practitioner.actor, client=a_client, definition=definitions["pain-nrs"])
    url = f"/q/{sent_token()}/"
    page = client.get(url)
    html = page.content.decode()
    assert (
        page.status_code == 200
        and "Stillwater Practice" in html
        and "Over the last 24 hours" in html
    )
    assert a_client.last_name not in html  # a forwarded link shows no name
    assert page["Cache-Control"].startswith("max-age=0")
    assert client.post(url, {"item_pain": "4"}).status_code == 200
    assert Response.objects.get(client=a_client).total == 4
    again = client.post(url, {"item_pain": "2"})
    assert again.status_code == 410 and "works only once" in again.content.decode()
    assert client.get(url).status_code == 410
    assert Response.objects.count() == 1


def test_a_link_expires(a_client: Any, practitioner: Any, client: Any, definitions: Any) -> None:
    link = links.send_link(
        actor=practitioner.actor, client=a_client, definition=definitions["pain-nrs"]
    )
    raw = sent_token()
    QuestionnaireLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    page = client.post(f"/q/{raw}/", {"item_pain": "4"})
    assert page.status_code == 410 and "expired" in page.content.decode()
    assert not Response.objects.exists()
    link.refresh_from_db()
    with pytest.raises(links.LinkUnavailable):
        links.submit_questionnaire(link=link, answers={"pain": 3})


def test_nothing_shows_without_a_token(
    a_client: Any, practitioner: Any, client: Any, definitions: Any
) -> None:
    links.send_link(actor=practitioner.actor, client=a_client, definition=definitions["pain-nrs"])
    before = AuditEntry.objects.count()
    for url in ("/q/not-a-token/", f"/q/{'x' * 43}/", f"/q/{'y' * 200}/"):
        page = client.get(url)
        html = page.content.decode()
        assert page.status_code == 404
        assert "Stillwater" not in html and "Pain" not in html and a_client.first_name not in html
        assert client.post(url, {"item_pain": "1"}).status_code == 404
    assert not Response.objects.exists() and AuditEntry.objects.count() == before


def test_a_link_needs_wording_and_an_email(
    a_client: Any, practitioner: Any, front_desk: Any, api: Any, definitions: Any
) -> None:
    status, body = api(practitioner).post(
        f"/clients/{a_client.pk}/questionnaire-links",
        {"instrument_id": str(definitions["phq-9"].pk)},
    )
    assert status == 422 and "Load the wording of PHQ-9" in body["error"]["fields"]["definition"]
    a_client.email = ""
    a_client.save()
    status, body = api(practitioner).post(
        f"/clients/{a_client.pk}/questionnaire-links",
        {"instrument_id": str(definitions["pain-nrs"].pk)},
    )
    assert status == 422 and "no e-mail" in body["error"]["fields"]["client"]
    assert (
        api(front_desk).post(
            f"/clients/{a_client.pk}/questionnaire-links",
            {"instrument_id": str(definitions["pain-nrs"].pk)},
        )[0]
        == 403
    )


def test_a_diary_link_takes_a_day_at_a_time(
    a_client: Any, practitioner: Any, client: Any, definitions: Any
) -> None:
    link = links.send_link(
        actor=practitioner.actor, client=a_client, definition=definitions["headache-diary"]
    )
    assert link.kind == "diary"
    raw = sent_token()
    today = timezone.localdate().isoformat()
    url = f"/q/{raw}/"
    assert (
        client.post(
            url, {"date": today, "headache": "yes", "peak": "7", "medication": "yes"}
        ).status_code
        == 200
    )
    assert (
        client.post(
            url, {"date": today, "headache": "yes", "peak": "5", "medication": "no"}
        ).status_code
        == 200
    )
    entry = DiaryEntry.objects.get(client=a_client)
    assert (entry.peak, entry.medication) == (5, False)  # the day was corrected, not doubled
    assert AuditEntry.objects.filter(object_id=str(entry.pk), via="link").count() == 2


def test_a_client_answer_can_raise_the_safety_alert(
    a_client: Any, owner: Any, practitioner: Any, client: Any, definitions: Any
) -> None:
    from sacrum.outcomes.fhir import attach_texts

    phq9 = definitions["phq-9"]
    placeholder = {
        "resourceType": "Questionnaire",
        "status": "active",
        "title": "Placeholder PHQ-9",
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
                    for v in range(4)
                ],
            }
            for n in range(1, 10)
        ],
    }
    phq9.definition = attach_texts(phq9.instrument, placeholder).source
    phq9.save()
    phq9.refresh_instrument()
    links.send_link(actor=practitioner.actor, client=a_client, definition=phq9)
    raw = sent_token()
    answers = {f"item_{n}": "0" for n in range(1, 9)} | {"item_9": "1"}
    done = client.post(f"/q/{raw}/", answers)
    assert done.status_code == 200 and "crisis line" in done.content.decode()
    assert OutcomeAlert.objects.filter(client=a_client, kind="self_harm").exists()
