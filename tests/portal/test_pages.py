"""The client's own pages: what they show, what they never show, isolation between
clients, the record downloads, the diary, the audit trail, and the staff boundary."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from pypdf import PdfReader

from sacrum.access.models import AuditEntry
from sacrum.outcomes.models import DiaryEntry
from sacrum.portal.models import PortalAccount
from tests.conftest import Persona
from tests.portal.conftest import Person

pytestmark = pytest.mark.django_db

PAGES = [
    "/portal/",
    "/portal/appointments",
    "/portal/consents",
    "/portal/health-history",
    "/portal/letters",
    "/portal/progress",
    "/portal/diary",
    "/portal/record",
    "/portal/record.json",
    "/portal/record.pdf",
]


def _text(response: Any) -> str:
    if response["Content-Type"].startswith("application/pdf"):
        reader = PdfReader(io.BytesIO(response.content))
        return "\n".join(page.extract_text() for page in reader.pages)
    return str(response.content.decode())


def test_every_page_shows_own_data_and_nothing_of_another_client(
    as_ada: HttpClient, ada: Person, bea: Person, bea_account: PortalAccount
) -> None:
    seen = ""
    for url in PAGES:
        # Another client's ids in the query string change nothing: the subject is the login.
        for query in ("", f"?client={bea.client.pk}&client_id={bea.client.pk}"):
            response = as_ada.get(url + query)
            assert response.status_code == 200, url
            text = _text(response)
            assert "Bea" not in text and "Byron" not in text, url
            assert str(bea.letter.pk) not in text and "bea@example" not in text, url
            seen += text
    for expected in (
        "Craniosacral session",  # appointments
        "Consent to sessions",  # consent title
        "Ada secret history note",  # intake answer
        "About Ada Lovelace",  # the sent letter
        "Pain",  # the curve's measure
    ):
        assert expected in seen, expected


def test_drafts_and_screening_results_never_show(as_ada: HttpClient, ada: Person) -> None:
    letters = as_ada.get("/portal/letters").content.decode()
    assert "About Ada Lovelace" in letters and "Draft about Ada" not in letters
    record = json.loads(as_ada.get("/portal/record.json").content)
    assert [lt["subject"] for lt in record["letters"]] == ["About Ada Lovelace"]
    assert "firings" not in json.dumps(record) and "alert" not in json.dumps(record).lower()


def test_another_clients_letter_is_a_404(
    as_ada: HttpClient, ada: Person, bea: Person, bea_account: PortalAccount
) -> None:
    own = as_ada.get(f"/portal/letters/download?letter={ada.letter.pk}")
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    assert b"About Ada Lovelace" in b"".join(own.streaming_content)  # type: ignore[attr-defined]
    for bad in (str(bea.letter.pk), str(ada.draft.pk), "not-a-uuid", ""):
        assert as_ada.get(f"/portal/letters/download?letter={bad}").status_code == 404, bad


def test_times_are_in_the_locations_zone(as_ada: HttpClient, ada: Person) -> None:
    ada.appointment_ahead.location.time_zone = "America/New_York"
    ada.appointment_ahead.location.save()
    record = json.loads(as_ada.get("/portal/record.json").content)
    start = dt.datetime.fromisoformat(record["appointments"]["upcoming"][0]["start"])
    expected = ada.appointment_ahead.start.astimezone(dt.timezone(start.utcoffset()))  # type: ignore[arg-type]
    assert start == expected and record["appointments"]["upcoming"][0]["time_zone"] == (
        "America/New_York"
    )
    assert start.utcoffset() in (dt.timedelta(hours=-5), dt.timedelta(hours=-4))


def test_record_pdf_parses_and_holds_the_record(as_ada: HttpClient, ada: Person) -> None:
    response = as_ada.get("/portal/record.pdf")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store, private"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Record summary: Ada Lovelace" in text
    for part in ("Appointments", "Consents you signed", "Your health history", "Headache diary"):
        assert part in text
    assert "Ada diary note" in text
    assert "nothing here says that craniosacral therapy treats or cures" in " ".join(text.split())


def test_every_read_is_audited_with_the_client_as_actor(
    as_ada: HttpClient, ada_account: PortalAccount
) -> None:
    before = AuditEntry.objects.count()
    for url in PAGES:
        as_ada.get(url)
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert {e.actor_id for e in entries} == {ada_account.user_id}
    assert {e.clinic_id for e in entries} == {ada_account.clinic_id}
    assert {e.via for e in entries} == {"portal"}
    kinds = {e.object_type for e in entries}
    assert {
        "client_appointments",
        "client_consents",
        "client_intake",
        "client_letters",
        "client_outcomes",
        "client_record_summary",
    } <= kinds
    assert all(e.object_id == str(ada_account.client_id) for e in entries)


def test_a_diary_day_from_the_phone(as_ada: HttpClient, ada: Person) -> None:
    today = timezone.localdate()
    response = as_ada.post(
        "/portal/diary",
        {"date": today.isoformat(), "headache": "yes", "peak": "4", "medication": "no"},
    )
    assert response.status_code == 302 and response["Location"] == "/portal/progress"
    entry = DiaryEntry.objects.get(client=ada.client, date=today)
    assert entry.headache and entry.peak == 4 and not entry.medication
    # Again the same day: replaced, not duplicated; a no-headache day drops the peak.
    as_ada.post(
        "/portal/diary",
        {"date": today.isoformat(), "headache": "no", "peak": "7", "medication": "no"},
    )
    entry = DiaryEntry.objects.get(client=ada.client, date=today)
    assert not entry.headache and entry.peak is None
    audit = AuditEntry.objects.filter(object_type="diaryentry", object_id=str(entry.pk))
    assert audit.count() == 2 and audit.first().via == "portal"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "data",
    [
        {"headache": "yes", "medication": "no"},  # no peak on a headache day
        {"headache": "no", "medication": "no", "date": "2001-01-01"},  # too far back
        {"headache": "no", "medication": "no", "date": "2999-01-01"},  # future
        {"headache": "maybe", "medication": "no"},
    ],
)
def test_a_bad_diary_day_changes_nothing(
    as_ada: HttpClient, ada: Person, data: dict[str, str]
) -> None:
    before = DiaryEntry.objects.filter(client=ada.client).count()
    payload = {"date": timezone.localdate().isoformat(), **data}
    response = as_ada.post("/portal/diary", payload)
    assert response.status_code == 200 and b'class="error"' in response.content
    assert DiaryEntry.objects.filter(client=ada.client).count() == before


def test_a_client_never_reaches_staff_pages_or_the_staff_api(
    as_ada: HttpClient, ada: Person
) -> None:
    client_id = ada.client.pk
    for url in (
        "/clients/",
        f"/clients/{client_id}/",
        f"/portal/clients/{client_id}/access",
        "/calendar/",
        "/audit/",
        "/staff/",
    ):
        status = as_ada.get(url).status_code
        assert status in (403, 404), (url, status)
    for url in ("/api/v1/clients", f"/api/v1/clients/{client_id}", "/api/v1/clinic"):
        response = as_ada.get(url)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "forbidden"
    assert as_ada.post(f"/portal/clients/{client_id}/access").status_code == 403
    assert PortalAccount.objects.filter(client=ada.client).count() == 1


def test_staff_without_portal_access_get_a_403_page(
    owner: Persona, browser_as: Any, ada_account: PortalAccount
) -> None:
    http = browser_as(owner)
    assert http.get("/portal/").status_code == 403
    assert http.get("/portal/record.json").status_code == 403
    # Staff pages are unchanged for staff.
    assert http.get("/clients/").status_code == 200


def test_signed_out_visitors_go_to_sign_in() -> None:
    for url in PAGES:
        response = HttpClient().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_clinics_owner_cannot_invite_or_revoke(
    outsider: Persona, browser_as: Any, ada: Person, ada_account: PortalAccount
) -> None:
    http = browser_as(outsider)
    assert http.get(f"/portal/clients/{ada.client.pk}/access").status_code == 404
    assert http.post(f"/portal/clients/{ada.client.pk}/access/revoke").status_code == 404
    ada_account.refresh_from_db()
    assert ada_account.state == "active"


def test_no_page_claims_a_cure(as_ada: HttpClient) -> None:
    for url in ("/portal/", "/portal/progress", "/portal/diary", "/portal/record"):
        text = as_ada.get(url).content.decode().lower()
        for claim in ("will cure", "cures your", "treats your", "heals"):
            assert claim not in text, (url, claim)
