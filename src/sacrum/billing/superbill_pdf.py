"""The statement for insurance as PDF (reportlab, like ``pdf.py``)."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from sacrum.billing.pdf import _doc
from sacrum.billing.superbill import Statement


def identifiers_text(statement: Statement) -> list[str]:
    """One line per practitioner: name, profession, then each credential and its number."""
    lines = []
    for person in statement.practitioners:
        parts = [person.name + (f" ({person.profession})" if person.profession else "")]
        for c in person.identifiers:
            words = f"{c.title}{f', {c.level}' if c.level else ''}, {c.issuing_body}"
            if c.number:
                words += f", no. {c.number}"
            if not c.verified:
                words += " (not verified by the clinic)"
            parts.append(words)
        lines.append("; ".join(parts))
    return lines


def statement_pdf(statement: Statement) -> bytes:
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    clinic = statement.clinic
    fmt = statement.fmt
    client = statement.client
    story: list[object] = [
        Paragraph(escape(clinic.name), styles["Title"]),
        Paragraph(escape(statement.clinic_address), body),
        Paragraph(escape(" · ".join(x for x in (clinic.email, clinic.phone) if x)), body),
        Paragraph(
            escape(
                f"Tax number: {statement.tax_number}"
                if statement.tax_number
                else "Not registered for tax"
            ),
            body,
        ),
        Spacer(1, 5 * mm),
        Paragraph("Statement for insurance", styles["Heading1"]),
        Paragraph(escape(f"Period: {statement.start:%d %B %Y} to {statement.end:%d %B %Y}"), body),
        Paragraph(escape(f"Produced on {statement.produced_on:%d %B %Y}"), body),
        Spacer(1, 4 * mm),
        Paragraph("Client", styles["Heading2"]),
        Paragraph(escape(client.full_name), body),
        Paragraph(escape(f"Date of birth: {client.date_of_birth:%d %B %Y}"), body),
    ]
    if client.address:
        story.append(Paragraph(escape(client.address), body))
    story.append(Paragraph("Practitioner", styles["Heading2"]))
    for line in identifiers_text(statement) or ["No sessions with a practitioner in the period."]:
        story.append(Paragraph(escape(line), body))
    story.append(Paragraph("Diagnosis codes", styles["Heading2"]))
    if statement.diagnoses:
        for d in statement.diagnoses:
            words = f"{d.code}: {d.description}" if d.description else d.code
            story.append(Paragraph(escape(words), body))
    else:
        story.append(Paragraph("None recorded.", body))
    story += [Spacer(1, 4 * mm), Paragraph("Sessions", styles["Heading2"])]
    rows: list[list[object]] = [["Date", "Service", "Code", "Invoice", "Charged", "Paid"]]
    cell = styles["BodyText"]
    for r in statement.rows:
        rows.append(
            [
                f"{r.day:%d %b %Y}",
                Paragraph(escape(r.service), cell),
                r.code,
                r.invoice_number,
                fmt(r.charged),
                fmt(r.paid),
            ]
        )
    rows.append(["", "Total", "", "", fmt(statement.charged), fmt(statement.paid)])
    if statement.credited:
        rows.append(["", "Credited (credit notes)", "", "", fmt(statement.credited), ""])
    rows.append(["", "Balance", "", "", "", fmt(statement.balance)])
    table = Table(rows, colWidths=[24 * mm, 58 * mm, 20 * mm, 24 * mm, 24 * mm, 24 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("ALIGN", (4, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                (
                    "LINEABOVE",
                    (1, len(statement.rows) + 1),
                    (-1, len(statement.rows) + 1),
                    0.5,
                    colors.black,
                ),
                ("FONT", (1, -1), (-1, -1), "Helvetica-Bold"),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 6 * mm))
    story.append(
        Paragraph(
            "Codes are entered by the clinic. Amounts are what was charged and paid for each "
            "session; the client claims from their insurer.",
            styles["Italic"],
        )
    )
    buffer = BytesIO()
    _doc(buffer, "Statement for insurance").build(story)
    return buffer.getvalue()
