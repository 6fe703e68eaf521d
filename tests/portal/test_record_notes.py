"""A client's own record holds their signed session notes and the addenda (PDF and
JSON), never drafts and never another client's; staff make the same record for a
request by post, with a reason that is kept and audited."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client as HttpClient
from django.urls import reverse
from pypdf import PdfReader

from sacrum.access.models import AuditEntry
from sacrum.charting import services as charting
from sacrum.charting.models import SensitiveAccess, SessionNote
from sacrum.kernel.errors import Locked
from sacrum.portal.models import PortalAccount, RecordCopy
from tests.charting.objects import draft, signed
from tests.conftest import Persona
from tests.portal.conftest import Person

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def notes(practitioner: Persona, ada: Person, bea: Person) -> dict[str, SessionNote]:
    """Ada: a signed note with an addendum, and a draft. Bea: a signed note."""
    first = signed(practitioner, ada.client, complaint="Ada neck stiff since Tuesday")
    charting.add_addendum(
        actor=practitioner.actor, note=first, text="Ada phoned: slept well after the session"
    )
    working = draft(practitioner, ada.client, complaint="Ada draft words not signed")
    other = signed(practitioner, bea.client, complaint="Bea jaw clicking")
    return {"first": first, "draft": working, "bea": other}


@pytest.fixture
def author_only(practitioner: Persona, ada: Person) -> SessionNote:
    note = draft(practitioner, ada.client, complaint="Ada author only words", sensitive=True)
    return charting.sign_note(actor=practitioner.actor, note=note)


def _texts(summary: dict[str, Any]) -> str:
    return json.dumps(summary["session_notes"], ensure_ascii=False)


def test_the_portal_record_has_signed_notes_and_addenda_not_drafts_nor_others(
    as_ada: HttpClient, notes: dict[str, SessionNote], author_only: SessionNote
) -> None:
    response = as_ada.get("/api/v1/portal/me/record")
    assert response.status_code == 200
    summary = response.json()
    text = _texts(summary)
    assert "Ada neck stiff since Tuesday" in text
    assert "Ada phoned: slept well after the session" in text
    assert "Ada author only words" in text  # "author only" hides from colleagues, not her
    assert "Ada draft words not signed" not in text
    assert "Bea jaw clicking" not in text
    first = next(n for n in summary["session_notes"] if n["id"] == str(notes["first"].pk))
    assert first["content_hash_sha256"] == notes["first"].content_hash
    assert first["signed_at"].endswith(("+00:00", "+01:00"))
    assert first["addenda"][0]["text"] == "Ada phoned: slept well after the session"
    assert first["objective"]["rhythm_findings"][0]["rate_cycles_per_minute"] == "8.5"
    assert len(summary["session_notes"]) == 2

    page_json = json.loads(as_ada.get(reverse("web:portal_record_json")).content)
    assert _texts(page_json) == text

    pdf = as_ada.get(reverse("web:portal_record_pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    words = pdf_text(pdf.content)
    assert "Session notes" in words
    assert "Ada neck stiff since Tuesday" in words
    assert "Ada phoned: slept well after the session" in words
    assert "Ada draft words" not in words
    assert "Bea jaw" not in words


def test_a_client_without_notes_is_told_so(as_ada: HttpClient, ada: Person) -> None:
    assert as_ada.get("/api/v1/portal/me/record").json()["session_notes"] == []
    assert "No signed session notes yet." in pdf_text(
        as_ada.get(reverse("web:portal_record_pdf")).content
    )


def _copy_url(person: Person) -> str:
    return reverse("web:portal_record_copy", args=[person.client.pk])


def test_staff_copy_for_a_request_by_post_is_the_same_record_and_audited(
    browser_as: Any,
    owner: Persona,
    ada: Person,
    ada_account: PortalAccount,
    notes: dict[str, SessionNote],
    author_only: SessionNote,
) -> None:
    http = browser_as(owner)
    page = http.get(_copy_url(ada))
    assert page.status_code == 200 and b"Download the copy" in page.content
    detail = http.get(reverse("web:client_detail", args=[ada.client.pk]))
    assert _copy_url(ada).encode() in detail.content

    # No reason: nothing made, the message by the field.
    refused = http.post(_copy_url(ada), {"reason": "  ", "format": "pdf"})
    assert refused.status_code == 422 and b"This field is required" in refused.content
    assert not RecordCopy.objects.exists()

    reason = "Client's letter of 3 May asking for her notes"
    got = http.post(_copy_url(ada), {"reason": reason, "format": "json"})
    assert got.status_code == 200 and got["Content-Type"] == "application/json"
    assert "no-store" in got["Cache-Control"]
    copy = RecordCopy.objects.get()
    assert (copy.client_id, copy.made_by_id, copy.reason) == (
        ada.client.pk,
        owner.member.pk,
        reason,
    )
    entry = AuditEntry.objects.get(object_type="recordcopy", object_id=str(copy.pk))
    assert (entry.action, entry.actor_id, entry.clinic_id) == (
        "export",
        owner.user.pk,
        owner.clinic.pk,
    )

    # The same notes as Ada's own download; the owner's copy opens the author-only note
    # with the reason, kept as when opening it on its page.
    staff_summary = json.loads(got.content)
    as_client = HttpClient()
    as_client.force_login(ada_account.user, backend="django.contrib.auth.backends.ModelBackend")  # type: ignore[arg-type]
    own = as_client.get("/api/v1/portal/me/record").json()
    assert staff_summary["session_notes"] == own["session_notes"]
    assert SensitiveAccess.objects.get(note=author_only).reason.endswith(reason)

    pdf = http.post(_copy_url(ada), {"reason": reason, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert "Ada neck stiff since Tuesday" in pdf_text(pdf.content)
    assert RecordCopy.objects.count() == 2

    # What was handed out, and why, stays as it was: in the app and in the database.
    with pytest.raises(Locked):
        RecordCopy.objects.filter(pk=copy.pk).update(reason="changed")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE portal_recordcopy SET reason = 'changed'")
    copy.refresh_from_db()
    assert copy.reason == reason


def test_who_may_make_a_copy(
    browser_as: Any,
    practitioner: Persona,
    front_desk: Persona,
    outsider: Persona,
    ada: Person,
    notes: dict[str, SessionNote],
    author_only: SessionNote,
) -> None:
    body = {"reason": "Letter from the client", "format": "json"}
    # The front desk never sees notes; another clinic doesn't know the client.
    assert browser_as(front_desk).post(_copy_url(ada), body).status_code == 403
    assert browser_as(outsider).post(_copy_url(ada), body).status_code == 404
    # A practitioner who sees the client (the author here) gets their copy.
    got = browser_as(practitioner).post(_copy_url(ada), body)
    assert got.status_code == 200
    assert "Ada author only words" in _texts(json.loads(got.content))
    assert RecordCopy.objects.count() == 1


def test_a_practitioner_who_never_saw_the_client_may_not(
    browser_as: Any, ada: Person, clinic: Any
) -> None:
    from tests.conftest import add_member

    stranger = add_member(clinic, "sam@stillwater.test", "practitioner", "Sam Stranger")
    http = browser_as(stranger)
    assert http.get(_copy_url(ada)).status_code == 403
    assert http.post(_copy_url(ada), {"reason": "x", "format": "pdf"}).status_code == 403
    assert not RecordCopy.objects.exists()
