"""The referral letter as a PDF (reportlab, pure Python): a plain, printable clinical letter."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sacrum.clinics.models import Credential, Location, VerificationState
from sacrum.screening.models import ReferralLetter


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=base["BodyText"], fontName="Helvetica", fontSize=10.5, leading=14.5
    )
    return {
        "body": body,
        "small": ParagraphStyle(
            "small", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#4f5a62")
        ),
        "head": ParagraphStyle(
            "head", parent=body, fontName="Helvetica-Bold", fontSize=14, leading=18
        ),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName="Helvetica-Bold", fontSize=11, leading=15, spaceBefore=8
        ),
        "subject": ParagraphStyle("subject", parent=body, fontName="Helvetica-Bold"),
        "urgent": ParagraphStyle(
            "urgent", parent=body, fontName="Helvetica-Bold", textColor=colors.HexColor("#a1262b")
        ),
        "draft": ParagraphStyle(
            "draft", parent=body, fontName="Helvetica-Bold", textColor=colors.HexColor("#7a4b00")
        ),
    }


def _paras(text: str, style: ParagraphStyle) -> list[Paragraph]:
    """Blank-line paragraphs; lines starting with '- ' become bullets."""
    out: list[Paragraph] = []
    for block in [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]:
        for line in block.split("\n") if block.lstrip().startswith("- ") else [block]:
            line = line.strip()
            if line.startswith("- "):
                out.append(Paragraph(escape(line[2:]), style, bulletText="•"))
            elif line:
                out.append(Paragraph(escape(line).replace("\n", "<br/>"), style))
    return out


def _credentials(letter: ReferralLetter) -> list[str]:
    profile = getattr(letter.author, "practitioner_profile", None)
    if profile is None:
        return []
    rows = Credential.objects.filter(
        profile=profile, verification_state=VerificationState.VERIFIED
    ).order_by("-issued_on")
    return [
        f"{c.title}{f' ({c.level})' if c.level else ''}, {c.issuing_body}, {c.issued_on:%Y}"
        for c in rows
    ]


def letter_pdf(letter: ReferralLetter, *, final: bool) -> bytes:
    """The PDF bytes; a draft says so on its face."""
    s = _styles()
    client = letter.client
    clinic = client.clinic
    author = letter.author
    profile = getattr(author, "practitioner_profile", None)
    location = Location.objects.filter(clinic=clinic, active=True).order_by("name").first()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=letter.subject,
        author=f"{author.user.display_name}, {clinic.name}",
        subject="Referral letter",
        creator="Sacrum",
    )
    address = [clinic.name]
    if location is not None:
        address += [
            x
            for x in (location.address_line, f"{location.postal_code} {location.city}".strip())
            if x
        ]
    contact = " · ".join(x for x in (clinic.phone, clinic.email, clinic.website) if x)
    story: list[Any] = [Paragraph(escape(clinic.name), s["head"])]
    story += [Paragraph(escape(line), s["small"]) for line in address[1:]]
    if contact:
        story.append(Paragraph(escape(contact), s["small"]))
    story.append(Spacer(1, 8 * mm))
    if not final:
        story.append(Paragraph("DRAFT — not sent. Review and edit before sending.", s["draft"]))
        story.append(Spacer(1, 3 * mm))
    recipient = [letter.recipient_name, letter.recipient_practice]
    story += [Paragraph(escape(x), s["body"]) for x in recipient if x]
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(f"{letter.letter_date:%d %B %Y}".lstrip("0"), s["body"]))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(escape(letter.subject), s["subject"]))
    details = [
        ["Client", f"{client.first_name} {client.last_name}"],
        ["Date of birth", f"{client.date_of_birth:%d %B %Y}".lstrip("0")],
    ]
    if client.address:
        details.append(["Address", client.address])
    if client.phone:
        details.append(["Phone", client.phone])
    table = Table(
        [[Paragraph(escape(k), s["small"]), Paragraph(escape(v), s["body"])] for k, v in details],
        colWidths=[32 * mm, None],
    )
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    story += [Spacer(1, 2 * mm), table, Spacer(1, 4 * mm)]
    story.append(Paragraph(f"Dear {escape(letter.recipient_name)},", s["body"]))
    story.append(Spacer(1, 2 * mm))
    story.append(
        Paragraph(
            f"I am writing about {escape(client.first_name)} {escape(client.last_name)}, who came to "
            f"{escape(clinic.name)} for craniosacral therapy, a light-touch manual therapy. Before "
            "sessions we ask every client about their health. Some answers below suggest that a "
            "physician should see them. These are the client's own answers; we do not diagnose.",
            s["body"],
        )
    )
    if letter.urgent:
        story.append(Spacer(1, 2 * mm))
        story.append(
            Paragraph(
                "Urgent: the client reported a symptom that needs prompt medical assessment.",
                s["urgent"],
            )
        )
    sections = (
        ("Reason for this letter", letter.reason),
        ("Relevant history", letter.history),
        ("Craniosacral therapy so far", letter.sessions),
        ("Outcome scores", letter.outcomes),
        ("What we ask", letter.request),
    )
    for title, text in sections:
        if text.strip():
            story.append(Paragraph(title, s["h2"]))
            story += _paras(text, s["body"])
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph("Yours sincerely,", s["body"]))
    story.append(Spacer(1, 10 * mm))
    name = profile.display_name if profile else author.user.display_name
    story.append(Paragraph(f"<b>{escape(name)}</b>", s["body"]))
    if profile is not None:
        story.append(Paragraph(escape(profile.get_profession_display()), s["body"]))
    for line in _credentials(letter):
        story.append(Paragraph(escape(line), s["small"]))
    story.append(
        Paragraph(escape(" · ".join(x for x in (author.user.email, clinic.phone) if x)), s["small"])
    )

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.HexColor("#4f5a62"))
        canvas.drawString(
            22 * mm,
            10 * mm,
            f"Confidential: health information about {client.first_name} {client.last_name}.",
        )
        canvas.drawRightString(A4[0] - 22 * mm, 10 * mm, f"Page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
