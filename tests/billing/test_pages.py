"""Billing pages without a browser: the PDFs, what the front desk sees, the e-mail."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pypdf
from django.core import mail
from django.test import Client as HttpClient

from sacrum.billing import services
from sacrum.billing.models import Invoice
from sacrum.clients.models import Client
from sacrum.kernel.mail import send_message
from tests.conftest import Persona


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_invoice_pdf_reads_right(
    front_desk: Persona, browser_as: Callable[[Persona], HttpClient], issued: Invoice
) -> None:
    response = browser_as(front_desk).get(f"/invoices/{issued.pk}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for words in (
        "Stillwater Practice",
        "Invoice INV-00001",
        "Ada Lovelace",
        "GB123456789",
        "£75.00",
        "£12.50",
    ):
        assert words in text, words


def test_the_front_desk_sees_no_clinical_data_on_an_invoice(
    front_desk: Persona,
    browser_as: Callable[[Persona], HttpClient],
    issued: Invoice,
    a_client: Client,
) -> None:
    page = browser_as(front_desk).get(f"/invoices/{issued.pk}/").content.decode()
    assert "Invoice INV-00001" in page
    assert a_client.presenting_concerns not in page


def test_a_receipt_and_an_invoice_are_emailed_in_the_clinics_name(
    owner: Persona, issued: Invoice, a_client: Client, settings: Any
) -> None:
    payment = services.record_payment(
        actor=owner.actor,
        client=a_client,
        payment=services.PaymentInput(amount=issued.total, method="cash", invoice=issued),
    )
    send_message.call(kind="sacrum.billing.mail:invoice", ref=str(issued.pk))
    send_message.call(kind="sacrum.billing.mail:receipt", ref=str(payment.pk))
    invoice_mail, receipt_mail = mail.outbox
    assert invoice_mail.subject == "Invoice INV-00001 from Stillwater Practice"
    assert invoice_mail.to == ["ada@example.test"]
    assert invoice_mail.attachments[0][0] == "INV-00001.pdf"
    assert "Received from: Ada Lovelace" in _text(receipt_mail.attachments[0][1])


def test_the_menu_shows_invoices_to_the_front_desk(
    front_desk: Persona, browser_as: Callable[[Persona], HttpClient], billing: Any
) -> None:
    page = browser_as(front_desk).get("/invoices/").content.decode()
    assert 'href="/invoices/"' in page and "Billing settings" not in page
    assert browser_as(front_desk).get("/billing/settings").status_code == 403
