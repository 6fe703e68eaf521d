"""Referral letters: drafted from the record, edited, sent by the worker or printed; PDF and FHIR."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from pypdf import PdfReader

from sacrum.clients.models import Client
from sacrum.clinics import services as clinic_services
from sacrum.kernel.errors import Conflict, Forbidden
from sacrum.screening import letters
from sacrum.screening.fhir import letter_bundle
from sacrum.screening.models import AlertStatus, ClientAlert, Firing, Intake, ReferralLetter
from sacrum.screening.pdf import letter_pdf
from tests.conftest import ApiClient, Persona


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def referred(
    practitioner: Persona, a_client: Client, intake_with: Callable[..., tuple[Intake, list[Firing]]]
) -> Client:
    """Ada (70 when headaches began, on a blood thinner, recent head injury)."""
    a_client.physician_name = "Dr Mary Somerville"
    a_client.date_of_birth = dt.date(1950, 6, 1)  # old enough for headaches that began at 70
    a_client.physician_practice = "Harbour Surgery"
    a_client.physician_email = "mary@surgery.example"
    a_client.save()
    clinic_services.save_profile(
        actor=practitioner.actor,
        member=practitioner.member,
        data={"display_name": "Pat Practitioner", "profession": "osteopath"},
    )
    intake_with(
        hx_onset_age=70, head_injury_recent="yes", anticoagulants="yes", medications="Apixaban"
    )
    return a_client


def test_draft_is_generated_from_the_record(practitioner: Persona, referred: Client) -> None:
    letter = letters.draft_letter(actor=practitioner.actor, client=referred)
    assert letter.recipient_name == "Dr Mary Somerville" and letter.is_draft
    assert {a.rule.code for a in letter.alerts.all()} == {
        "snnoop-05-older-onset",
        "snoop4-onset-after-50",
        "block-head-injury",
    }
    assert "Headache that began at 65 or later" in letter.reason and "“70”" in letter.reason
    assert "Apixaban" in letter.history
    assert letter.sessions == "No craniosacral therapy sessions have taken place yet."
    assert "safe for Ada" in letter.request
    for text in (letter.reason, letter.history, letter.request):
        assert "cure" not in text.lower() and "treats" not in text.lower()


def test_the_pdf_opens_and_contains_the_reason(practitioner: Persona, referred: Client) -> None:
    letter = letters.draft_letter(actor=practitioner.actor, client=referred)
    text = pdf_text(letter_pdf(letter, final=False))
    assert "DRAFT" in text
    assert "Headache that began at 65 or later" in text
    assert "Recent skull fracture or serious head injury" in text
    assert "Ada Lovelace" in text and "Pat Practitioner" in text and "Osteopath" in text


def test_fhir_service_request_and_document_reference_validate(
    practitioner: Persona, referred: Client
) -> None:
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.documentreference import DocumentReference
    from fhir.resources.R4B.servicerequest import ServiceRequest

    letter = letters.draft_letter(actor=practitioner.actor, client=referred)
    bundle = letter_bundle(letter, letter_pdf(letter, final=False))
    Bundle.model_validate(bundle)
    kinds = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    assert set(kinds) == {"Patient", "Practitioner", "ServiceRequest", "DocumentReference"}
    request = ServiceRequest.model_validate(kinds["ServiceRequest"])
    assert request.intent == "proposal" and request.status == "draft"
    assert request.reasonCode is not None
    assert {c.text for c in request.reasonCode} >= {"Headache that began at 65 or later"}
    document = DocumentReference.model_validate(kinds["DocumentReference"])
    assert document.content[0].attachment.contentType == "application/pdf"
    assert document.type is not None and document.type.coding is not None
    assert document.type.coding[0].code == "57133-1"


def test_edit_then_send_by_email_with_the_pdf_attached(
    practitioner: Persona, referred: Client
) -> None:
    letter = letters.draft_letter(actor=practitioner.actor, client=referred)
    letters.update_letter(
        actor=practitioner.actor,
        letter=letter,
        data={"request": "Please see Ada this week.", "letter_date": dt.date(2026, 11, 20)},
    )
    sent = letters.finalize(actor=practitioner.actor, letter=letter, how="email")
    assert sent.status == "sent" and sent.sent_to == "mary@surgery.example"
    assert len(sent.pdf_sha256) == 64
    message = mail.outbox[-1]
    assert message.to == ["mary@surgery.example"]
    assert "Ada" not in message.subject and "head injury" not in message.body.lower()
    (_name, content, mimetype) = message.attachments[0]
    assert mimetype == "application/pdf" and "Please see Ada this week." in pdf_text(content)

    refer = ClientAlert.objects.get(rule__code="snnoop-05-older-onset")
    block = ClientAlert.objects.get(rule__code="block-head-injury")
    assert refer.status == AlertStatus.REFERRED
    assert block.status == AlertStatus.OPEN  # a block waits for the physician's clearance

    with pytest.raises(Conflict):
        letters.update_letter(actor=practitioner.actor, letter=sent, data={"subject": "x"})
    with pytest.raises(Conflict):
        letters.finalize(actor=practitioner.actor, letter=sent, how="print")
    sent.subject = "Changed"
    with pytest.raises(Forbidden):
        sent.save()


def test_printing_keeps_the_letter_too(practitioner: Persona, referred: Client) -> None:
    letter = letters.draft_letter(actor=practitioner.actor, client=referred)
    printed = letters.finalize(actor=practitioner.actor, letter=letter, how="print")
    assert printed.pdf.name is not None
    assert printed.status == "printed" and printed.pdf.name.endswith(".pdf")
    with printed.pdf.open("rb") as handle:
        assert "Reason for this letter" in pdf_text(handle.read())
    assert ReferralLetter.objects.filter(client=referred).count() == 1


def test_sending_without_an_address_is_refused(practitioner: Persona, referred: Client) -> None:
    letter = letters.draft_letter(actor=practitioner.actor, client=referred)
    letters.update_letter(actor=practitioner.actor, letter=letter, data={"recipient_email": ""})
    with pytest.raises(ValidationError) as exc:
        letters.finalize(actor=practitioner.actor, letter=letter, how="email")
    assert "recipient_email" in exc.value.message_dict
    letter.refresh_from_db()
    assert letter.is_draft and mail.outbox == []


def test_a_letter_without_alerts_needs_a_reason_before_it_leaves(
    practitioner: Persona, a_client: Client, intake_with: Callable[..., tuple[Intake, list[Firing]]]
) -> None:
    intake_with()
    letter = letters.draft_letter(actor=practitioner.actor, client=a_client)
    assert letter.reason == "" and not letter.alerts.exists()
    with pytest.raises(ValidationError) as exc:
        letters.finalize(actor=practitioner.actor, letter=letter, how="print")
    assert "reason" in exc.value.message_dict
    letters.update_letter(
        actor=practitioner.actor,
        letter=letter,
        data={"reason": "Jaw pain for a year; please review."},
    )
    assert (
        letters.finalize(actor=practitioner.actor, letter=letter, how="print").status == "printed"
    )


def test_front_desk_cannot_write_letters(front_desk: Persona, referred: Client) -> None:
    with pytest.raises(Forbidden):
        letters.draft_letter(actor=front_desk.actor, client=referred)


# --- API and pages ---------------------------------------------------------------------


def test_letters_through_the_api(
    practitioner: Persona, api: Callable[[Persona], ApiClient], referred: Client
) -> None:
    http = api(practitioner)
    status, body = http.post(f"/clients/{referred.pk}/referral-letters", {})
    assert status == 201, body
    letter_id = body["id"]
    assert body["status"] == "draft" and len(body["alert_ids"]) == 3
    status, body = http.patch(f"/referral-letters/{letter_id}", {"subject": "Headache after 65"})
    assert status == 200 and body["subject"] == "Headache after 65"
    status, body = http.patch(f"/referral-letters/{letter_id}", {"recipient_email": "nope"})
    assert status == 422 and "recipient_email" in body["error"]["fields"]
    response = http.http.get(f"/api/v1/referral-letters/{letter_id}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Headache after 65" in pdf_text(response.content)
    status, body = http.get(f"/referral-letters/{letter_id}/fhir")
    assert status == 200 and body["resourceType"] == "Bundle"
    status, body = http.post(f"/referral-letters/{letter_id}/finalize", {"how": "email"})
    assert status == 200 and body["status"] == "sent" and body["pdf_sha256"]
    status, body = http.patch(f"/referral-letters/{letter_id}", {"subject": "x"})
    assert status == 409
    status, body = http.get(f"/clients/{referred.pk}/referral-letters")
    assert body["count"] == 1


def test_front_desk_gets_no_letters(
    front_desk: Persona,
    practitioner: Persona,
    api: Callable[[Persona], ApiClient],
    browser_as: Callable[[Persona], HttpClient],
    referred: Client,
) -> None:
    letter = letters.draft_letter(actor=practitioner.actor, client=referred)
    assert api(front_desk).get(f"/referral-letters/{letter.pk}")[0] == 403
    assert api(front_desk).get(f"/clients/{referred.pk}/referral-letters")[0] == 403
    assert browser_as(front_desk).get(f"/letters/{letter.pk}/").status_code == 403


def test_letter_pages_draft_edit_and_print(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient], referred: Client
) -> None:
    http = browser_as(practitioner)
    page = http.get(f"/clients/{referred.pk}/").content.decode()
    assert "Draft referral letter" in page
    response = http.post(f"/clients/{referred.pk}/letters/new")
    letter = ReferralLetter.objects.get()
    assert response["Location"] == f"/letters/{letter.pk}/"
    page = http.get(f"/letters/{letter.pk}/").content.decode()
    assert "Headache that began at 65 or later" in page and "Preview PDF" in page
    form = {name: getattr(letter, name) for name in letters.EDITABLE}
    form["letter_date"] = letter.letter_date.isoformat()
    form["request"] = "Please assess Ada soon."
    form["recipient_email"] = "not an address"
    assert http.post(f"/letters/{letter.pk}/", form).status_code == 422
    form["recipient_email"] = "mary@surgery.example"
    assert http.post(f"/letters/{letter.pk}/", form).status_code == 302
    assert http.post(f"/letters/{letter.pk}/finalize", {"how": "print"}).status_code == 302
    letter.refresh_from_db()
    assert letter.status == "printed" and letter.request == "Please assess Ada soon."
    pdf = http.get(f"/letters/{letter.pk}/pdf")
    assert "Please assess Ada soon." in pdf_text(b"".join(pdf.streaming_content))  # type: ignore[attr-defined]
    assert http.get(f"/letters/{letter.pk}/fhir").status_code == 200
    page = http.get(f"/letters/{letter.pk}/").content.decode()
    assert "Save draft" not in page and "final" in page
