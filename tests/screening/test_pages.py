"""Screening pages: the banner on the client page, intake entry and review, alerts, rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient

from sacrum.access.models import AuditEntry
from sacrum.clients.models import Client
from sacrum.screening.models import AlertStatus, ClientAlert, Firing, Intake
from tests.conftest import Persona
from tests.screening.helpers import quiet_answers


def test_banner_shows_blocks_warnings_and_referrals(
    practitioner: Persona,
    browser_as: Callable[[Persona], HttpClient],
    a_client: Client,
    intake_with: Callable[..., tuple[Intake, list[Firing]]],
) -> None:
    intake_with(head_injury_recent="yes", anticoagulants="yes", hx_thunderclap="yes")
    page = browser_as(practitioner).get(f"/clients/{a_client.pk}/").content.decode()
    assert "Blocked" in page and "Recent skull fracture or serious head injury" in page
    assert "Takes anticoagulant medication" in page and "Acknowledge" in page
    assert "Sudden or thunderclap headache" in page and "Urgent:" in page


def test_front_desk_sees_only_that_a_review_is_pending(
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
    a_client: Client,
    intake_with: Callable[..., tuple[Intake, list[Firing]]],
) -> None:
    intake_with(head_injury_recent="yes", anticoagulants="yes")
    page = browser_as(front_desk).get(f"/clients/{a_client.pk}/").content.decode()
    assert "Review pending" in page
    assert "head injury" not in page and "anticoagulant" not in page.lower()
    assert browser_as(front_desk).get(f"/intakes/{Intake.objects.get().pk}/").status_code == 403


def test_practitioner_acknowledges_from_the_client_page(
    practitioner: Persona,
    browser_as: Callable[[Persona], HttpClient],
    a_client: Client,
    intake_with: Callable[..., tuple[Intake, list[Firing]]],
) -> None:
    _i, firings = intake_with(anticoagulants="yes")
    http = browser_as(practitioner)
    response = http.post(
        f"/alerts/{firings[0].alert_id}/acknowledge", {"next": f"/clients/{a_client.pk}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/clients/{a_client.pk}/"
    assert ClientAlert.objects.get().status == AlertStatus.ACKNOWLEDGED
    page = http.get(f"/clients/{a_client.pk}/").content.decode()
    assert "1 settled alert" in page


def test_clearance_page_with_a_letter(
    practitioner: Persona,
    browser_as: Callable[[Persona], HttpClient],
    a_client: Client,
    intake_with: Callable[..., tuple[Intake, list[Firing]]],
    pdf_letter: SimpleUploadedFile,
) -> None:
    _i, firings = intake_with(aneurysm="yes")
    http = browser_as(practitioner)
    url = f"/alerts/{firings[0].alert_id}/clearance"
    response = http.post(url, {"physician_name": "", "cleared_on": ""})
    assert response.status_code == 422
    assert ClientAlert.objects.get().status == AlertStatus.OPEN
    response = http.post(
        url,
        {"physician_name": "Dr B", "cleared_on": dt.date.today().isoformat(), "letter": pdf_letter},
    )
    assert response.status_code == 302
    assert ClientAlert.objects.get().status == AlertStatus.CLEARED
    letter = http.get(f"/alerts/{firings[0].alert_id}/clearance/letter")
    assert letter.status_code == 200 and b"".join(letter.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]


def test_practitioner_enters_an_intake_on_the_page(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient], a_client: Client
) -> None:
    http = browser_as(practitioner)
    assert (
        "Do you get headaches, or have you had an unusual headache recently?"
        in http.get(f"/clients/{a_client.pk}/intake/new").content.decode()
    )
    answers = quiet_answers("intake") | {"epilepsy": "yes"}
    answers.pop("hx_cancer")
    response = http.post(f"/clients/{a_client.pk}/intake/new", answers)
    assert (
        response.status_code == 422
        and "Please choose yes, no or not sure." in response.content.decode()
    )
    assert not Intake.objects.exists()
    answers["hx_cancer"] = "no"
    response = http.post(f"/clients/{a_client.pk}/intake/new", answers)
    intake = Intake.objects.get()
    assert response["Location"] == f"/intakes/{intake.pk}/"
    page = http.get(f"/intakes/{intake.pk}/").content.decode()
    assert "Epilepsy or seizures" in page
    assert AuditEntry.objects.filter(action="read", object_id=str(intake.pk)).exists()


def test_practitioner_amends_an_intake_on_the_page(
    practitioner: Persona,
    browser_as: Callable[[Persona], HttpClient],
    intake_with: Callable[..., tuple[Intake, list[Firing]]],
) -> None:
    intake, _ = intake_with(aneurysm="yes")
    http = browser_as(practitioner)
    answers = dict(intake.answers) | {"aneurysm": "no"}
    response = http.post(f"/intakes/{intake.pk}/amend", answers)
    assert response.status_code == 422 and "Say why" in response.content.decode()
    response = http.post(f"/intakes/{intake.pk}/amend", answers | {"note": "Checked with client"})
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.answers["aneurysm"] == "no"
    assert "Checked with client" in http.get(f"/intakes/{intake.pk}/").content.decode()


def test_check_in_on_the_page(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient], a_client: Client
) -> None:
    http = browser_as(practitioner)
    answers = quiet_answers("checkin") | {"checkin_new_headache": "yes", "checkin_pain": "3"}
    response = http.post(f"/clients/{a_client.pk}/check-in/new", answers)
    assert response.status_code == 302
    page = http.get(f"/clients/{a_client.pk}/").content.decode()
    assert "New or changed headache since the last visit" in page and "pain 3/10" in page


def test_rules_page_owner_edits_practitioner_reads(
    owner: Persona, practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    page = browser_as(practitioner).get("/screening/rules/").content.decode()
    assert "Sudden or thunderclap headache" in page and "/edit" not in page
    http = browser_as(owner)
    rule = owner.clinic.screening_rules.get(code="warn-chiari")
    assert http.get(f"/screening/rules/{rule.pk}/edit").status_code == 200
    assert browser_as(practitioner).get(f"/screening/rules/{rule.pk}/edit").status_code == 403
    response = http.post(
        f"/screening/rules/{rule.pk}/edit",
        {
            "title": rule.title,
            "question": rule.question,
            "trigger_answers": "yes",
            "action": "warn",
            "explanation": rule.explanation,
            "source": rule.source,
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.trigger_answers == ["yes"] and rule.active is False
    response = http.post(
        "/screening/rules/new",
        {
            "code": "bad rule!",
            "title": "",
            "question": "aneurysm",
            "action": "warn",
            "explanation": "",
        },
    )
    assert response.status_code == 422


def test_client_list_marks_clients_with_open_alerts(
    practitioner: Persona,
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
    a_client: Client,
    intake_with: Callable[..., tuple[Intake, list[Firing]]],
) -> None:
    intake_with(head_injury_recent="yes", anticoagulants="yes")
    page = browser_as(practitioner).get("/clients/").content.decode()
    assert 'class="badge danger">blocked' in page and 'class="badge warn">warning' in page
    page = browser_as(front_desk).get("/clients/").content.decode()
    assert "review pending" in page and "warning" not in page and "blocked" not in page
