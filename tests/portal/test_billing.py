"""The client's invoices and receipts in the portal: their own issued documents only, with
PDFs; never a draft, never another client's (by list, by id, or through the API)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from sacrum.access.models import AuditEntry
from sacrum.billing import services
from sacrum.billing.models import Invoice, Method, Payment
from sacrum.clients.models import Client
from sacrum.kernel.actor import Actor
from sacrum.portal import billing
from sacrum.portal.models import PortalAccount
from tests.conftest import Persona
from tests.portal.conftest import Person

pytestmark = pytest.mark.django_db


@dataclass
class Documents:
    issued: Invoice
    draft: Invoice
    payment: Payment


def _documents(owner: Persona, client: Client, description: str) -> Documents:
    line = services.LineInput(description=description, unit_price=Decimal("80.00"))
    issued = services.issue(
        actor=owner.actor,
        invoice=services.create_invoice(actor=owner.actor, client=client, lines=[line]),
    )
    draft = services.create_invoice(
        actor=owner.actor,
        client=client,
        lines=[services.LineInput(description=f"{description} draft", unit_price=Decimal("5"))],
    )
    payment = services.record_payment(
        actor=owner.actor,
        client=client,
        payment=services.PaymentInput(amount=Decimal("30.00"), method=Method.CARD, invoice=issued),
    )
    return Documents(issued, draft, payment)


@pytest.fixture
def ada_docs(owner: Persona, ada: Person) -> Documents:
    return _documents(owner, ada.client, "Ada session")


@pytest.fixture
def bea_docs(owner: Persona, bea: Person) -> Documents:
    return _documents(owner, bea.client, "Bea session")


def _pdf_text(response: Any) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_client_sees_their_issued_invoices_and_receipts(
    as_ada: HttpClient, ada_docs: Documents, bea_docs: Documents
) -> None:
    page = as_ada.get("/portal/invoices")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store, private"
    text = page.content.decode()
    assert ada_docs.issued.number_text in text and "£80.00" in text and "£50.00" in text
    assert "Partly paid" in text and "Card at a terminal" in text
    assert str(ada_docs.draft.pk) not in text and "Ada session draft" not in text
    assert bea_docs.issued.number_text not in text and str(bea_docs.payment.pk) not in text

    invoice = as_ada.get(f"/portal/invoices/download?invoice={ada_docs.issued.pk}")
    assert invoice.status_code == 200 and invoice["Content-Type"] == "application/pdf"
    assert "attachment" in invoice["Content-Disposition"]
    pdf = _pdf_text(invoice)
    assert ada_docs.issued.number_text in pdf and "Ada session" in pdf

    receipt = as_ada.get(f"/portal/receipts/download?payment={ada_docs.payment.pk}")
    assert receipt.status_code == 200
    assert "£30.00" in _pdf_text(receipt) and ada_docs.issued.number_text in _pdf_text(receipt)
    assert AuditEntry.objects.filter(object_id=str(ada_docs.issued.pk), action="read").exists()


def test_another_clients_documents_and_drafts_are_not_found(
    as_ada: HttpClient, ada_docs: Documents, bea_docs: Documents
) -> None:
    for url in (
        f"/portal/invoices/download?invoice={bea_docs.issued.pk}",
        f"/portal/invoices/download?invoice={ada_docs.draft.pk}",
        f"/portal/receipts/download?payment={bea_docs.payment.pk}",
        "/portal/invoices/download?invoice=not-a-uuid",
        "/portal/receipts/download",
    ):
        assert as_ada.get(url).status_code == 404, url


def test_the_api_gives_the_same_and_refuses_staff(
    as_ada: HttpClient,
    ada_docs: Documents,
    bea_docs: Documents,
    owner: Persona,
    api: Any,
    bea_account: PortalAccount,
) -> None:
    body = as_ada.get("/api/v1/portal/me/invoices").json()
    assert [x["number"] for x in body["invoices"]] == [ada_docs.issued.number_text]
    assert body["invoices"][0]["state"] == "partly_paid"
    assert [x["id"] for x in body["receipts"]] == [str(ada_docs.payment.pk)]
    assert body["owed"] == "£50.00" and "Bea" not in str(body)
    status, _ = api(owner).get("/portal/me/invoices")
    assert status == 403
    assert HttpClient().get("/api/v1/portal/me/invoices").status_code == 401


def test_staff_without_portal_access_get_no_portal_documents(
    browser_as: Any, owner: Persona, ada_docs: Documents
) -> None:
    response = browser_as(owner).get(f"/portal/invoices/download?invoice={ada_docs.issued.pk}")
    assert response.status_code == 403


def test_a_credit_note_names_the_invoice_it_corrects_in_one_query(
    as_ada: HttpClient, owner: Persona, ada: Person, ada_account: PortalAccount
) -> None:
    def issued(price: str) -> Invoice:
        line = services.LineInput(description="Session", unit_price=Decimal(price))
        return services.issue(
            actor=owner.actor,
            invoice=services.create_invoice(actor=owner.actor, client=ada.client, lines=[line]),
        )

    first = issued("80.00")
    note = services.credit_note(actor=owner.actor, invoice=first, reason="Goodwill")

    def billing_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            billing.billing_of(ada_account, Actor.system(via="test"))
        return len(queries)

    billing_queries()  # the account's clinic is loaded once, then kept
    one_note = billing_queries()
    text = as_ada.get("/portal/invoices").content.decode()
    assert (
        f"Credit note {note.number_text}</strong>, correcting invoice {first.number_text}" in text
    )
    assert f"Invoice {first.number_text}</strong> ·" in text  # an invoice corrects nothing
    rows = {x["number"]: x for x in as_ada.get("/api/v1/portal/me/invoices").json()["invoices"]}
    assert rows[note.number_text]["corrects"] == first.number_text
    assert rows[first.number_text]["corrects"] is None

    # More credit notes of more invoices: the same number of queries (no query per row).
    for price in ("60.00", "40.00"):
        services.credit_note(actor=owner.actor, invoice=issued(price), reason="Goodwill")
    assert billing_queries() == one_note
