"""The intake link: e-mailed, expiring, one submission, nothing without a valid token."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.utils import timezone

from sacrum.access.models import AuditEntry
from sacrum.clients import consent
from sacrum.clients.models import Client
from sacrum.screening import links
from sacrum.screening.models import CheckIn, Intake, IntakeLink
from tests.conftest import ApiClient, Persona
from tests.screening.helpers import quiet_answers

TOKEN_IN_MAIL = re.compile(r"/intake/([A-Za-z0-9_-]+)/")


def emailed_token(front_desk: Persona, a_client: Client) -> str:
    links.create_link(actor=front_desk.actor, client=a_client)
    match = TOKEN_IN_MAIL.search(str(mail.outbox[-1].body))
    assert match is not None
    return match.group(1)


def consent_fields(client: Client) -> dict[str, str]:
    text = consent.current_text(client.clinic_id)
    assert text is not None
    return {"consent_text_id": str(text.pk), "typed_name": "Ada Lovelace", "agreed": "on"}


def test_the_link_is_emailed_by_the_worker_job(front_desk: Persona, a_client: Client) -> None:
    link, raw = links.create_link(actor=front_desk.actor, client=a_client)
    assert raw is None  # an e-mailed link's token exists only in the e-mail
    match = TOKEN_IN_MAIL.search(str(mail.outbox[0].body))
    assert match is not None
    raw = match.group(1)
    assert [m.to for m in mail.outbox] == [["ada@example.test"]]
    assert raw in mail.outbox[0].body and link.token_digest not in mail.outbox[0].body
    assert IntakeLink.objects.get().token_digest != raw  # only the digest is stored
    assert link.expires_at > timezone.now() + dt.timedelta(days=6)


def test_a_client_without_email_gets_a_clear_message(front_desk: Persona, a_client: Client) -> None:
    a_client.email = ""
    a_client.save()
    with pytest.raises(Exception, match="no e-mail"):
        links.create_link(actor=front_desk.actor, client=a_client)
    assert not IntakeLink.objects.exists() and mail.outbox == []


def test_fill_in_from_the_link_once(front_desk: Persona, a_client: Client) -> None:
    token = emailed_token(front_desk, a_client)
    http = HttpClient()
    page = http.get(f"/intake/{token}/")
    assert (
        page.status_code == 200
        and "Do you get headaches, or have you had an unusual headache recently?"
        in page.content.decode()
    )
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    data = (
        quiet_answers("intake")
        | consent_fields(a_client)
        | {
            "anticoagulants": "yes",
            "physician_name": "Dr Mary Somerville",
            "conditions": ["migraine_headache"],
            "goals": "Fewer migraines",
        }
    )
    response = http.post(f"/intake/{token}/", data)
    assert response.status_code == 302 and response["Location"] == "/intake/thank-you"
    assert "Thank you" in http.get("/intake/thank-you").content.decode()

    intake = Intake.objects.get()
    assert intake.via == "link" and intake.answers["anticoagulants"] == "yes"
    assert intake.firings.get().rule.code == "warn-anticoagulants"
    a_client.refresh_from_db()
    assert a_client.physician_name == "Dr Mary Somerville"
    assert a_client.conditions == ["migraine_headache"] and a_client.goals == "Fewer migraines"
    assert consent.consent_state(a_client) == "current"
    signature = a_client.consent_signatures.get()
    assert signature.via == "link" and signature.ip == "127.0.0.1"
    assert AuditEntry.objects.filter(object_id=str(intake.pk), action="create", via="link").exists()

    # Used: the same token now reveals nothing and writes nothing.
    again = http.get(f"/intake/{token}/")
    assert again.status_code == 404 and "Ada" not in again.content.decode()
    assert http.post(f"/intake/{token}/", data).status_code == 404
    assert Intake.objects.count() == 1


def test_an_expired_link_reveals_nothing(front_desk: Persona, a_client: Client) -> None:
    token = emailed_token(front_desk, a_client)
    eight_days_ago = timezone.now() - dt.timedelta(days=8)
    IntakeLink.objects.update(
        created_at=eight_days_ago, expires_at=eight_days_ago + dt.timedelta(days=7)
    )
    response = HttpClient().get(f"/intake/{token}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Ada" not in body and "Lovelace" not in body and "Stillwater" not in body


def test_a_tampered_token_is_rejected(front_desk: Persona, a_client: Client) -> None:
    token = emailed_token(front_desk, a_client)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, token[:-3], token + "x", "not-a-token"):
        response = HttpClient().get(f"/intake/{bad}/")
        assert response.status_code == 404 and "Ada" not in response.content.decode()
    assert HttpClient().post(f"/intake/{tampered}/", quiet_answers("intake")).status_code == 404
    assert not Intake.objects.exists()


def test_nothing_without_a_token(db: Any) -> None:
    assert HttpClient().get("/intake/").status_code == 404
    assert HttpClient().get("/intake/thank-you").status_code == 404


def test_a_new_emailed_link_replaces_the_old_one(front_desk: Persona, a_client: Client) -> None:
    first = emailed_token(front_desk, a_client)
    second = emailed_token(front_desk, a_client)
    assert HttpClient().get(f"/intake/{first}/").status_code == 404
    assert HttpClient().get(f"/intake/{second}/").status_code == 200


def test_bad_answers_are_shown_by_field_and_nothing_is_written(
    front_desk: Persona, a_client: Client
) -> None:
    token = emailed_token(front_desk, a_client)
    data = quiet_answers("intake") | {
        "consent_text_id": consent_fields(a_client)["consent_text_id"],
        "typed_name": "",
        "physician_email": "not an address",
    }
    del data["aneurysm"]
    response = HttpClient().post(f"/intake/{token}/", data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "Please choose yes, no or not sure." in body
    assert "Enter a valid email address." in body
    data["physician_email"] = ""
    data["aneurysm"] = "no"
    response = HttpClient().post(f"/intake/{token}/", data)
    assert (
        response.status_code == 422 and "Type your full name to sign." in response.content.decode()
    )
    assert not Intake.objects.exists()
    a_client.refresh_from_db()
    assert not a_client.consent_signatures.exists()
    assert IntakeLink.objects.get().used_at is None  # still usable


def test_urgent_answers_tell_the_client_to_seek_care_now(
    front_desk: Persona, a_client: Client
) -> None:
    token = emailed_token(front_desk, a_client)
    http = HttpClient()
    form = http.get(f"/intake/{token}/").content.decode()
    assert 'data-urgent-answers="yes"' in form and "Please seek urgent medical care now." in form
    data = quiet_answers("intake") | consent_fields(a_client) | {"hx_thunderclap": "yes"}
    http.post(f"/intake/{token}/", data)
    done = http.get("/intake/thank-you").content.decode()
    assert "Please seek urgent medical care now" in done


def test_tablet_mode_opens_the_form_for_the_client(
    front_desk: Persona, browser_as: Callable[[Persona], HttpClient], a_client: Client
) -> None:
    http = browser_as(front_desk)
    response = http.post(
        f"/clients/{a_client.pk}/links", {"purpose": "intake", "delivery": "tablet"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/intake/")
    page = http.get(response["Location"]).content.decode()
    assert "clinic&#x27;s device" in page or "clinic's device" in page
    assert "Clients" not in page  # no staff menu on the client's form
    data = quiet_answers("intake") | consent_fields(a_client)
    assert http.post(response["Location"], data).status_code == 302
    intake = Intake.objects.get()
    assert intake.via == "tablet"
    assert IntakeLink.objects.get().expires_at < timezone.now() + dt.timedelta(hours=3)


def test_check_in_on_the_tablet(
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
    a_client: Client,
    practitioner: Persona,
) -> None:
    current = consent.current_text(a_client.clinic_id)
    assert current is not None
    consent.sign_in_person(
        actor=front_desk.actor,
        client=a_client,
        text=current,
        typed_name="Ada",
        agreed=True,
    )
    http = browser_as(front_desk)
    response = http.post(
        f"/clients/{a_client.pk}/links", {"purpose": "checkin", "delivery": "tablet"}
    )
    page = http.get(response["Location"]).content.decode()
    assert "How strong is your pain right now" in page and "consent" not in page.lower()
    data = quiet_answers("checkin") | {"checkin_pain": "7", "checkin_health_changed": "yes"}
    assert http.post(response["Location"], data).status_code == 302
    check_in = CheckIn.objects.get()
    assert check_in.pain == 7 and check_in.via == "tablet"
    assert check_in.firings.get().rule.code == "checkin-health-changed"


def test_links_through_the_api(
    front_desk: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    status, body = api(front_desk).post(
        f"/clients/{a_client.pk}/intake-links", {"purpose": "intake", "delivery": "email"}
    )
    assert status == 201, body
    assert body["url"] is None and body["sent_to"] == "ada@example.test" and body["state"] == "open"
    status, body = api(front_desk).post(f"/intake-links/{body['id']}/revoke", {})
    assert status == 200 and body["state"] == "revoked"
    status, body = api(front_desk).post(
        f"/clients/{a_client.pk}/intake-links", {"purpose": "checkin", "delivery": "tablet"}
    )
    assert status == 201 and body["url"].startswith("http")
    status, body = api(front_desk).get(f"/clients/{a_client.pk}/intake-links")
    assert status == 200 and body["count"] == 2
