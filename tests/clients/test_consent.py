"""Consent: versioned texts, signatures that keep their version, withdrawal, and the gate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client as HttpClient

from sacrum.access.models import AuditEntry
from sacrum.clients import consent
from sacrum.clients.models import Client, ConsentSignature, ConsentText
from sacrum.clinics.models import Clinic
from sacrum.kernel.errors import Conflict, Forbidden, Locked
from tests.conftest import ApiClient, Persona

NEW_BODY = (
    "Sessions are light touch. We make no promise that they treat or cure anything. "
    "You can stop at any time."
)


def sign(persona: Persona, client: Client, **extra: Any) -> ConsentSignature:
    text = consent.current_text(client.clinic_id)
    assert text is not None
    return consent.sign_in_person(
        actor=persona.actor,
        client=client,
        text=text,
        typed_name=extra.pop("typed_name", "Ada Lovelace"),
        agreed=extra.pop("agreed", True),
        **extra,
    )


def test_every_clinic_starts_with_a_default_text(clinic: Clinic) -> None:
    text = consent.current_text(clinic.pk)
    assert text is not None
    assert text.version == 1 and text.requires_new_signature
    assert "no promise" in text.body.lower() and "cure" in text.body.lower()


def test_an_edit_is_a_new_version_and_old_signatures_keep_theirs(
    owner: Persona, front_desk: Persona, a_client: Client
) -> None:
    first = consent.current_text(a_client.clinic_id)
    assert first is not None
    signature = sign(front_desk, a_client)
    assert consent.has_current_consent(a_client)

    second = consent.publish_text(actor=owner.actor, title="Consent", body=NEW_BODY)
    assert second.version == 2 and second.pk != first.pk
    signature.refresh_from_db()
    first.refresh_from_db()
    assert signature.text_id == first.pk and first.version == 1
    assert "no promise that sessions will treat" in first.body  # the old text is untouched
    assert not consent.has_current_consent(a_client)
    assert consent.consent_state(a_client) == "outdated"

    sign(front_desk, a_client)
    assert consent.has_current_consent(a_client)
    assert list(
        a_client.consent_signatures.values_list("text__version", flat=True).order_by(
            "text__version"
        )
    ) == [1, 2]


def test_a_correction_can_keep_earlier_signatures_valid(
    owner: Persona, front_desk: Persona, a_client: Client
) -> None:
    sign(front_desk, a_client)
    consent.publish_text(
        actor=owner.actor, title="Consent", body=NEW_BODY, requires_new_signature=False
    )
    assert consent.has_current_consent(a_client)


def test_a_signed_text_is_never_updated_by_any_route(front_desk: Persona, a_client: Client) -> None:
    sign(front_desk, a_client)
    text = consent.current_text(a_client.clinic_id)
    assert text is not None
    text.body = "Changed behind the client's back"
    with pytest.raises(Locked):
        text.save()
    with pytest.raises(Locked):
        ConsentText.objects.filter(pk=text.pk).update(body="Changed")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE clients_consenttext SET body = %s WHERE id = %s",
            ["Changed", text.pk.hex] if connection.vendor == "sqlite" else ["Changed", text.pk],
        )
    text.refresh_from_db()
    assert text.body != "Changed"


def test_a_signature_is_never_updated(front_desk: Persona, a_client: Client) -> None:
    signature = sign(front_desk, a_client)
    signature.typed_name = "Someone else"
    with pytest.raises(Locked):
        signature.save()
    with pytest.raises(Locked):
        ConsentSignature.objects.filter(pk=signature.pk).update(typed_name="x")


def test_signature_records_who_when_where(front_desk: Persona, a_client: Client) -> None:
    signature = sign(front_desk, a_client, drawn_signature="M10 10 L20 25.5 L30 12")
    assert signature.ip == "127.0.0.1" and signature.user_agent == "pytest"
    assert signature.via == "tablet" and signature.agreed
    assert AuditEntry.objects.filter(action="sign", object_id=str(signature.pk)).exists()


def test_bad_signatures_get_field_messages_and_nothing_is_written(
    front_desk: Persona, a_client: Client
) -> None:
    with pytest.raises(ValidationError) as exc:
        sign(front_desk, a_client, typed_name="  ", agreed=False)
    assert set(exc.value.message_dict) == {"typed_name", "agreed"}
    with pytest.raises(ValidationError) as exc:
        sign(front_desk, a_client, drawn_signature="<script>alert(1)</script>")
    assert "drawn_signature" in exc.value.message_dict
    assert not ConsentSignature.objects.exists()


def test_signing_an_old_version_is_a_conflict(
    owner: Persona, front_desk: Persona, a_client: Client
) -> None:
    old = consent.current_text(a_client.clinic_id)
    assert old is not None
    consent.publish_text(actor=owner.actor, title="Consent", body=NEW_BODY)
    with pytest.raises(Conflict):
        consent.sign_in_person(
            actor=front_desk.actor, client=a_client, text=old, typed_name="Ada", agreed=True
        )


def test_withdrawal_is_recorded_and_ends_consent(front_desk: Persona, a_client: Client) -> None:
    signature = sign(front_desk, a_client)
    consent.withdraw(actor=front_desk.actor, signature=signature, reason="Changed her mind")
    assert consent.consent_state(a_client) == "withdrawn"
    assert ConsentSignature.objects.filter(pk=signature.pk).exists()
    with pytest.raises(Conflict):
        consent.withdraw(actor=front_desk.actor, signature=signature)


def test_only_the_owner_publishes(practitioner: Persona) -> None:
    with pytest.raises(Forbidden):
        consent.publish_text(actor=practitioner.actor, title="x", body=NEW_BODY)


def test_publishing_the_same_text_again_is_refused(owner: Persona) -> None:
    current = consent.current_text(owner.clinic.pk)
    assert current is not None
    with pytest.raises(ValidationError):
        consent.publish_text(actor=owner.actor, title=current.title, body=current.body)


# --- API -------------------------------------------------------------------------------


def test_consent_through_the_api(
    owner: Persona, front_desk: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    status, body = api(front_desk).get(f"/clients/{a_client.pk}/consent")
    assert status == 200 and body["state"] == "none"
    text = consent.current_text(a_client.clinic_id)
    assert text is not None
    text_id = str(text.pk)
    status, body = api(front_desk).post(
        f"/clients/{a_client.pk}/consent-signatures",
        {"consent_text_id": text_id, "typed_name": "Ada Lovelace", "agreed": True},
    )
    assert status == 201, body
    assert body["version"] == 1 and body["via"] == "api"
    signature_id = body["id"]

    status, body = api(owner).post("/consent-texts", {"title": "Consent", "body": NEW_BODY})
    assert status == 201 and body["version"] == 2
    status, body = api(front_desk).get(f"/consent-signatures/{signature_id}")
    assert body["consent_text_id"] == text_id and body["version"] == 1
    status, body = api(front_desk).get(f"/clients/{a_client.pk}/consent")
    assert body["state"] == "outdated"

    status, body = api(front_desk).post(
        f"/consent-signatures/{signature_id}/withdraw", {"reason": "Moving away"}
    )
    assert status == 200 and body["withdrawal"]["reason"] == "Moving away"


def test_api_signature_without_agreement_is_422_and_writes_nothing(
    front_desk: Persona, api: Callable[[Persona], ApiClient], a_client: Client
) -> None:
    text = consent.current_text(a_client.clinic_id)
    assert text is not None
    text_id = str(text.pk)
    status, body = api(front_desk).post(
        f"/clients/{a_client.pk}/consent-signatures",
        {"consent_text_id": text_id, "typed_name": "", "agreed": False},
    )
    assert status == 422
    assert set(body["error"]["fields"]) == {"typed_name", "agreed"}
    assert not ConsentSignature.objects.exists()


def test_front_desk_cannot_publish_texts(
    front_desk: Persona, api: Callable[[Persona], ApiClient]
) -> None:
    status, _ = api(front_desk).post("/consent-texts", {"title": "x", "body": NEW_BODY})
    assert status == 403


# --- Pages -----------------------------------------------------------------------------


def test_signing_on_the_device_and_withdrawing_on_pages(
    front_desk: Persona, browser_as: Callable[[Persona], HttpClient], a_client: Client
) -> None:
    http = browser_as(front_desk)
    page = http.get(f"/clients/{a_client.pk}/").content.decode()
    assert "Not signed" in page and "Sign on this device" in page
    form = http.get(f"/clients/{a_client.pk}/consent/sign").content.decode()
    assert "no promise" in form.lower()
    text = consent.current_text(a_client.clinic_id)
    assert text is not None
    text_id = str(text.pk)
    response = http.post(
        f"/clients/{a_client.pk}/consent/sign",
        {"consent_text_id": text_id, "typed_name": "", "drawn_signature": ""},
    )
    assert response.status_code == 422 and "Tick the box" in response.content.decode()
    response = http.post(
        f"/clients/{a_client.pk}/consent/sign",
        {
            "consent_text_id": text_id,
            "typed_name": "Ada Lovelace",
            "agreed": "on",
            "drawn_signature": "M10 10 L40 40",
        },
    )
    assert response.status_code == 302
    signature = ConsentSignature.objects.get()
    detail = http.get(f"/consent-signatures/{signature.pk}/").content.decode()
    assert 'd="M10 10 L40 40"' in detail
    http.post(f"/consent-signatures/{signature.pk}/withdraw", {"reason": "No longer wishes"})
    assert consent.consent_state(a_client) == "withdrawn"


def test_owner_publishes_a_version_on_the_page(
    owner: Persona, practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    response = http.post("/consent/", {"title": "Consent", "body": "too short"})
    assert response.status_code == 422
    response = http.post(
        "/consent/", {"title": "Consent", "body": NEW_BODY, "requires_new_signature": "on"}
    )
    assert response.status_code == 302
    current = consent.current_text(owner.clinic.pk)
    assert current is not None and current.version == 2
    assert (
        browser_as(practitioner).post("/consent/", {"title": "x", "body": NEW_BODY}).status_code
        == 403
    )
    page = browser_as(practitioner).get("/consent/").content.decode()
    assert "Publish a new version" not in page
