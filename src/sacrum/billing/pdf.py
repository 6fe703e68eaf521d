"""Invoices, credit notes and receipts as PDF (reportlab, no system libraries).

Lines show service names and amounts only; nothing clinical is printed.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sacrum.billing import money
from sacrum.billing.models import Invoice, Payment
from sacrum.billing.services import settings_for


def _doc(buffer: BytesIO, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )


def invoice_pdf(invoice: Invoice) -> bytes:
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["Italic"]
    locale = settings_for(invoice.clinic_id).locale
    clinic = invoice.clinic

    def fmt(amount: Decimal) -> str:
        return money.formatted(amount, invoice.currency, locale)

    story: list[object] = [
        Paragraph(escape(clinic.name), styles["Title"]),
        Paragraph(escape(" · ".join(x for x in (clinic.email, clinic.phone) if x)), body),
        Paragraph(
            escape(
                f"Tax number: {invoice.tax_number}"
                if invoice.tax_number
                else "Not registered for tax"
            ),
            body,
        ),
        Spacer(1, 6 * mm),
        Paragraph(escape(invoice.title), styles["Heading1"]),
    ]
    facts = [f"Bill to: {invoice.bill_to or invoice.client.full_name}"]
    if invoice.issued_on:
        facts.append(f"Date: {invoice.issued_on:%d %B %Y}")
    if invoice.due_on and not invoice.is_credit_note:
        facts.append(f"Due: {invoice.due_on:%d %B %Y}")
    if invoice.credits_id and invoice.credits is not None:
        facts.append(f"Corrects invoice {invoice.credits.number_text}: {invoice.reason}")
    if invoice.status == "void":
        facts.append(f"VOID: {invoice.void_reason}")
    for fact in facts:
        story.append(Paragraph(escape(fact), body))
    story.append(Spacer(1, 5 * mm))
    rows: list[list[str]] = [["Item", "Qty", "Unit price", "Discount", "Tax", "Amount"]]
    for line in invoice.lines.all():
        rows.append(
            [
                line.description,
                f"{line.quantity.normalize():f}",
                fmt(line.unit_price),
                f"{line.discount_percent.normalize():f}%" if line.discount_percent else "",
                f"{line.tax_rate.normalize():f}%",
                fmt(line.gross if invoice.prices_include_tax else line.net),
            ]
        )
    rows += [
        ["", "", "", "", "Net", fmt(invoice.net_total)],
        ["", "", "", "", "Tax", fmt(invoice.tax_total)],
        ["", "", "", "", "Total", fmt(invoice.total)],
    ]
    table = Table(rows, colWidths=[70 * mm, 12 * mm, 26 * mm, 18 * mm, 16 * mm, 30 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("LINEABOVE", (4, -3), (-1, -3), 0.5, colors.black),
                ("FONT", (4, -1), (-1, -1), "Helvetica-Bold"),
            ]
        )
    )
    story.append(table)
    if invoice.prices_include_tax:
        story.append(Paragraph("Prices include tax.", small))
    if invoice.footer:
        story += [Spacer(1, 8 * mm), Paragraph(escape(invoice.footer).replace("\n", "<br/>"), body)]
    buffer = BytesIO()
    _doc(buffer, invoice.title).build(story)
    return buffer.getvalue()


def receipt_pdf(payment: Payment) -> bytes:
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    locale = settings_for(payment.clinic_id).locale
    title = "Refund receipt" if payment.kind == "refund" else "Receipt"
    lines = [
        f"Received from: {payment.client.full_name}"
        if payment.kind == "payment"
        else f"Paid back to: {payment.client.full_name}",
        f"Amount: {money.formatted(payment.amount, payment.currency, locale)}",
        f"Method: {payment.get_method_display()}",
        f"Date: {payment.received_on:%d %B %Y}",
    ]
    if payment.invoice is not None:
        lines.append(f"Towards invoice {payment.invoice.number_text}")
    elif payment.kind == "payment":
        lines.append("On account (credit)")
    if payment.external_reference:
        lines.append(f"Reference: {payment.external_reference}")
    lines.append(f"Receipt id: {payment.pk}")
    story: list[object] = [
        Paragraph(escape(payment.clinic.name), styles["Title"]),
        Paragraph(escape(title), styles["Heading1"]),
        *[Paragraph(escape(x), body) for x in lines],
    ]
    buffer = BytesIO()
    _doc(buffer, title).build(story)
    return buffer.getvalue()
