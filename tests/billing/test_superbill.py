"""The statement for insurance: its figures on the page, the PDF and the API; who may
produce it and who may change the diagnosis codes; a bad period; the audit entry.

Two sessions of Ada in May 2026 (the test clock is 10 June 2026): 12 May paid in full,
19 May partly paid (£30 of £75); one in June, outside the period asked for.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from django.test import Client as HttpClient

from sacrum.access.models import AuditEntry
from sacrum.billing import services, superbill
from sacrum.billing.models import BillingSettings, ClientDiagnosis, ServiceCode
from sacrum.clients.models import Client
from sacrum.clinics.models import Credential, Location, PractitionerProfile
from sacrum.kernel.errors import Forbidden
from sacrum.scheduling.models import ServiceType
from tests.billing.conftest import make_appointment
from tests.conftest import Persona

PERIOD = "start=2026-05-01&end=2026-05-31"


@pytest.fixture
def sessions(
    owner: Persona,
    a_client: Client,
    service: ServiceType,
    location: Location,
    billing: BillingSettings,
) -> list[Any]:
    location.address_line = "4 Harbour Road"
    location.city = "Bristol"
    location.postal_code = "BS1 4RW"
    location.save()
    profile = PractitionerProfile.objects.create(
        membership=owner.member, display_name="Olivia Owner", profession="osteopath"
    )
    Credential.objects.create(
        profile=profile,
        issuing_body="General Osteopathic Council",
        title="Registered osteopath",
        registration_number="GOsC 4711",
        issued_on=dt.date(2015, 3, 1),
    )
    superbill.set_service_code(actor=owner.actor, service=service, code="97140")
    superbill.add_diagnosis(
        actor=owner.actor, client=a_client, code="M54.2", description="Cervicalgia"
    )
    invoices = []
    for day, paid in ((12, "75.00"), (19, "30.00"), (None, None)):
        when = dt.date(2026, 5, day) if day else dt.date(2026, 6, 2)
        appointment = make_appointment(owner, a_client, service, location, day=when)
        invoice = services.invoice_for_appointment(actor=owner.actor, appointment=appointment)
        invoice = services.issue(actor=owner.actor, invoice=invoice)
        if paid:
            services.record_payment(
                actor=owner.actor,
                client=a_client,
                payment=services.PaymentInput(amount=Decimal(paid), method="card", invoice=invoice),
            )
        invoices.append(invoice)
    return invoices


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_statement_adds_up(owner: Persona, a_client: Client, sessions: Any) -> None:
    result = superbill.statement(
        actor=owner.actor, client=a_client, start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 31)
    )
    assert [(r.day.day, r.code, r.charged, r.paid) for r in result.rows] == [
        (12, "97140", Decimal("75.000"), Decimal("75.00")),
        (19, "97140", Decimal("75.000"), Decimal("30.00")),
    ]
    assert (result.charged, result.paid, result.balance) == tuple(map(Decimal, (150, 105, 45)))
    assert result.clinic_address == "4 Harbour Road, BS1 4RW Bristol"
    assert [d.code for d in result.diagnoses] == ["M54.2"]
    assert result.practitioners[0].identifiers[0].number == "GOsC 4711"


def test_the_front_desk_produces_the_pdf_with_every_figure(
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
    a_client: Client,
    sessions: Any,
) -> None:
    before = AuditEntry.objects.filter(object_type=superbill.AUDIT_TYPE).count()
    response = browser_as(front_desk).get(f"/clients/{a_client.pk}/billing/statement.pdf?{PERIOD}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for words in (
        "Stillwater Practice",
        "4 Harbour Road",
        "GB123456789",
        "Olivia Owner",
        "GOsC 4711",
        "Ada Lovelace",
        "10 December 1985",
        "M54.2: Cervicalgia",
        "12 May 2026",
        "19 May 2026",
        "97140",
        "£75.00",
        "£30.00",
        "£150.00",
        "£105.00",
        "£45.00",
    ):
        assert words in text, words
    assert "02 Jun 2026" not in text  # outside the period
    entry = AuditEntry.objects.filter(object_type=superbill.AUDIT_TYPE).latest("pk")
    assert (entry.action, entry.object_id, entry.actor_id) == (
        "export",
        str(a_client.pk),
        front_desk.user.pk,
    )
    assert AuditEntry.objects.filter(object_type=superbill.AUDIT_TYPE).count() == before + 1


def test_the_page_shows_the_figures_and_links_the_pdf(
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
    a_client: Client,
    sessions: Any,
) -> None:
    http = browser_as(front_desk)
    billing_page = http.get(f"/clients/{a_client.pk}/billing/").content.decode()
    assert f"/clients/{a_client.pk}/billing/statement" in billing_page
    page = http.get(f"/clients/{a_client.pk}/billing/statement?{PERIOD}").content.decode()
    for words in ("£150.00", "£105.00", "£45.00", "97140", "M54.2", "GOsC 4711", "10 Dec 1985"):
        assert words in page, words
    assert "statement.pdf?start=2026-05-01&amp;end=2026-05-31" in page
    assert "Add code" not in page  # the front desk does not change diagnoses


def test_an_end_before_the_start_is_a_message_by_the_field(
    owner: Persona,
    browser_as: Callable[[Persona], HttpClient],
    api: Callable[[Persona], Any],
    a_client: Client,
    sessions: Any,
) -> None:
    before = AuditEntry.objects.filter(object_type=superbill.AUDIT_TYPE).count()
    bad = "start=2026-05-31&end=2026-05-01"
    response = browser_as(owner).get(f"/clients/{a_client.pk}/billing/statement?{bad}")
    assert response.status_code == 422
    assert "The end cannot be before the start." in response.content.decode()
    pdf = browser_as(owner).get(f"/clients/{a_client.pk}/billing/statement.pdf?{bad}")
    assert pdf.status_code == 422 and pdf["Content-Type"].startswith("text/html")
    status, body = api(owner).get(f"/clients/{a_client.pk}/statement?{bad}")
    assert status == 422 and "end" in body["error"]["fields"], body
    status, body = api(owner).get(f"/clients/{a_client.pk}/statement?start=2026-05-01")
    assert status == 422 and "end" in body["error"]["fields"], body
    status, body = api(owner).get(f"/clients/{a_client.pk}/statement?start=2026-05-01&end=x")
    assert status == 422, body
    status, body = api(owner).get(
        f"/clients/{a_client.pk}/statement?start=0001-01-01&end=9999-12-31"
    )
    assert status == 422 and set(body["error"]["fields"]) == {"start", "end"}, body
    assert AuditEntry.objects.filter(object_type=superbill.AUDIT_TYPE).count() == before


def test_the_api_statement(
    practitioner: Persona, api: Callable[[Persona], Any], a_client: Client, sessions: Any
) -> None:
    status, body = api(practitioner).get(f"/clients/{a_client.pk}/statement?{PERIOD}")
    assert status == 200, body
    assert (body["total_charged"], body["total_paid"], body["balance"]) == (
        "150.00",
        "105.00",
        "45.00",
    )
    assert [(s["date"], s["code"], s["paid"]) for s in body["sessions"]] == [
        ("2026-05-12", "97140", "75.00"),
        ("2026-05-19", "97140", "30.00"),
    ]
    assert body["diagnoses"][0]["code"] == "M54.2"
    assert body["practitioners"][0]["identifiers"][0]["number"] == "GOsC 4711"
    assert body["tax_number"] == "GB123456789" and body["date_of_birth"] == "1985-12-10"


def test_an_outsider_finds_nothing(
    outsider: Persona,
    browser_as: Callable[[Persona], HttpClient],
    api: Callable[[Persona], Any],
    a_client: Client,
    sessions: Any,
) -> None:
    http = browser_as(outsider)
    assert http.get(f"/clients/{a_client.pk}/billing/statement?{PERIOD}").status_code == 404
    assert http.get(f"/clients/{a_client.pk}/billing/statement.pdf?{PERIOD}").status_code == 404
    assert api(outsider).get(f"/clients/{a_client.pk}/statement?{PERIOD}")[0] == 404
    assert api(outsider).get(f"/clients/{a_client.pk}/diagnoses")[0] == 404
    dx = ClientDiagnosis.objects.get()
    assert api(outsider).call("DELETE", f"/diagnoses/{dx.pk}")[0] == 404
    assert ClientDiagnosis.objects.get().removed_at is None


def test_only_clinical_staff_change_diagnoses(
    practitioner: Persona,
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
    api: Callable[[Persona], Any],
    a_client: Client,
) -> None:
    url = f"/clients/{a_client.pk}/diagnoses"
    status, _ = api(front_desk).post(url, {"code": "G44.2", "description": "Tension headache"})
    assert status == 403
    desk_page = browser_as(front_desk).post(
        f"/clients/{a_client.pk}/billing/diagnoses", {"code": "X"}
    )
    assert desk_page.status_code == 403
    with pytest.raises(Forbidden):
        superbill.add_diagnosis(actor=front_desk.actor, client=a_client, code="G44.2")
    assert not ClientDiagnosis.objects.exists()
    status, body = api(practitioner).post(url, {"code": "G44.2", "description": "Tension headache"})
    assert status == 201, body
    status, body = api(practitioner).post(url, {"code": "g44.2"})
    assert status == 422 and "code" in body["error"]["fields"], body
    status, body = api(practitioner).post(url, {"code": "  "})
    assert status == 422 and "code" in body["error"]["fields"], body
    assert api(front_desk).get(url)[1][0]["code"] == "G44.2"  # seen, as on the statement
    gone = f"/diagnoses/{ClientDiagnosis.objects.get().pk}"
    assert api(front_desk).call("DELETE", gone)[0] == 403
    assert api(practitioner).call("DELETE", gone)[0] == 204
    assert api(practitioner).get(url)[1] == []
    assert ClientDiagnosis.objects.get().removed_by == practitioner.user


def test_diagnoses_on_the_page(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient], a_client: Client
) -> None:
    http = browser_as(practitioner)
    base = f"/clients/{a_client.pk}/billing"
    response = http.post(f"{base}/diagnoses", {"code": "", "description": "x"})
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    response = http.post(f"{base}/diagnoses", {"code": "M54.2", "description": "Cervicalgia"})
    assert response.status_code == 302
    page = http.get(f"{base}/statement").content.decode()
    assert "Cervicalgia" in page and "Add code" in page
    dx = ClientDiagnosis.objects.get()
    assert http.post(f"/diagnoses/{dx.pk}/remove").status_code == 302
    assert ClientDiagnosis.objects.get().removed_at is not None


def test_service_codes_page_and_api(
    owner: Persona,
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
    api: Callable[[Persona], Any],
    service: ServiceType,
) -> None:
    http = browser_as(owner)
    assert "/billing/service-codes" in http.get("/billing/settings").content.decode()
    response = http.post("/billing/service-codes", {f"code_{service.pk}": "x" * 31})
    assert response.status_code == 422 and "At most 30 characters." in response.content.decode()
    assert not ServiceCode.objects.exists()
    assert http.post("/billing/service-codes", {f"code_{service.pk}": " 97140 "}).status_code == 302
    assert ServiceCode.objects.get().code == "97140"
    assert browser_as(front_desk).get("/billing/service-codes").status_code == 403
    status, body = api(owner).call("PUT", f"/services/{service.pk}/code", {"code": ""})
    assert status == 200 and body["code"] == "", body
    assert not ServiceCode.objects.exists()
    status, _ = api(front_desk).call("PUT", f"/services/{service.pk}/code", {"code": "1"})
    assert status == 403
