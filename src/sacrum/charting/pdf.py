"""Session notes as a PDF (reportlab, no system libraries): one note or a date range,
for the client or for another provider.

Rhythm findings are printed under the heading "Rhythm findings (palpation findings,
not measurements)", as on the page. A draft is printed as a draft; a signed note shows
who signed it, when, and the start of its SHA-256 so a reader can match it to the
record. Addenda follow their note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from sacrum.charting.models import SessionNote
from sacrum.charting.regions import label as region_label
from sacrum.clients.models import Client

PALPATION_HEADING = "Rhythm findings (palpation findings, not measurements)"
AUDIENCE_WORDS = {
    "client": "Prepared for the client",
    "provider": "Prepared for another provider",
}
DISCLAIMER = (
    "These notes record what was observed and done in each session. Rhythm findings are "
    "the practitioner's palpation findings; they vary between examiners and are not "
    "measurements. Nothing here states that a therapy treats or cures a condition."
)


def _p(text: str | None, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def _when(value: dt.datetime | None) -> str:
    return "" if value is None else f"{timezone.localtime(value):%d %B %Y, %H:%M}"


def _note_story(note: SessionNote, styles: dict[str, ParagraphStyle]) -> list[object]:
    body, small, h2, h3 = styles["body"], styles["small"], styles["h2"], styles["h3"]
    story: list[object] = [CondPageBreak(40 * mm)]
    service = ""
    if note.appointment_id and note.appointment is not None:
        service = f" · {note.appointment.service.name}"
    state = "Signed" if note.is_signed else "Draft (not signed)"
    story.append(Paragraph(escape(f"Session {_when(note.seen_at)}{service}"), h2))
    meta = [f"{state}", f"practitioner: {note.author.user.display_name}"]
    if note.duration_minutes:
        meta.append(f"{note.duration_minutes} minutes")
    if note.client_position:
        meta.append(f"position: {note.get_client_position_display().lower()}")
    if note.attire:
        meta.append(f"attire: {note.get_attire_display().lower()}")
    story.append(_p(" · ".join(meta), small))

    def section(title: str, rows: Sequence[tuple[str, str | None]]) -> None:
        shown = [(k, v) for k, v in rows if v not in (None, "")]
        if not shown:
            return
        story.append(Paragraph(escape(title), h3))
        for k, v in shown:
            story.append(
                Paragraph(f"<b>{escape(k)}:</b> " + escape(str(v)).replace("\n", "<br/>"), body)
            )

    def pain(v: int | None) -> str | None:
        return None if v is None else f"{v} of 10"

    section(
        "Subjective",
        [
            ("Complaint", note.complaint),
            ("Changes since last visit", note.changes_since_last),
            ("Health or medication changes", note.health_changes),
            ("Pain before", pain(note.pain_before)),
        ],
    )
    section("Objective", [("Observation", note.observation), ("Palpation", note.palpation)])
    findings = list(note.rhythm_findings.all())
    if findings:
        story.append(Paragraph(PALPATION_HEADING, h3))
        rows: list[list[object]] = [
            [
                Paragraph(f"<b>{h}</b>", small)
                for h in ("Station", "Rate /min", "Amplitude", "Symmetry", "Quality", "Note")
            ]
        ]
        for f in findings:
            rows.append(
                [
                    _p(f.station.name, small),
                    "" if f.rate is None else f"{f.rate}",
                    _p(f.get_amplitude_display() if f.amplitude else "", small),
                    _p(f.get_symmetry_display() if f.symmetry else "", small),
                    _p(f.get_quality_display() if f.quality else "", small),
                    _p(f.note_text, small),
                ]
            )
        table = Table(
            rows, colWidths=[38 * mm, 18 * mm, 22 * mm, 28 * mm, 24 * mm, None], repeatRows=1
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c9d1d6")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f5f4")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                ]
            )
        )
        story.append(table)
    restrictions = list(note.restrictions.all())
    if restrictions:
        story.append(Paragraph("Restrictions marked on the body map (palpation findings)", h3))
        for r in restrictions:
            text = f"{region_label(r.region, r.side)}: severity {r.severity} of 3"
            if r.note_text:
                text += f" — {r.note_text}"
            story.append(_p(text, body))
    stills = list(note.still_points.all())
    if stills:
        story.append(Paragraph("Still points", h3))
        for s in stills:
            text = (
                "Induced" if s.induced else "Spontaneous"
            ) + f" at {s.get_location_display().lower()}"
            if s.duration_seconds is not None:
                text += f", {s.duration_seconds} seconds"
            story.append(_p(text, body))
    techniques = list(note.techniques.all())
    if techniques:
        story.append(Paragraph("Techniques, in order", h3))
        for i, t in enumerate(techniques, start=1):
            text = f"{i}. {t.name}"
            if t.duration_minutes:
                text += f" ({t.duration_minutes} min)"
            if t.response:
                text += f" — response: {t.response}"
            story.append(_p(text, body))
    section(
        "Assessment",
        [
            ("Response", note.response),
            ("Pain after", pain(note.pain_after)),
            ("Sensations", ", ".join(note.sensations or []) or None),
            ("In the client's words", note.sensations_note),
            ("Adverse reactions", note.adverse_reactions),
            ("Progress to goals", note.progress),
        ],
    )
    section(
        "Plan",
        [
            ("Next visit", note.next_visit),
            ("Frequency", note.frequency),
            ("Home care", note.home_care),
            ("Referral", note.referral),
        ],
    )
    if note.is_signed and note.signed_by is not None:
        story.append(Spacer(1, 2 * mm))
        story.append(
            _p(
                f"Signed by {note.signed_by.user.display_name} on {_when(note.signed_at)}. "
                f"Content hash (SHA-256) {note.content_hash[:16]}…",
                small,
            )
        )
    addenda = list(note.addenda.all())
    if addenda:
        story.append(Paragraph("Addenda", h3))
        for a in addenda:
            story.append(
                KeepTogether(
                    [
                        _p(f"{a.author.user.display_name}, {_when(a.created_at)}:", small),
                        _p(a.text, body),
                    ]
                )
            )
    story.append(Spacer(1, 5 * mm))
    return story


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    return {
        "body": sheet["BodyText"].clone("body", fontSize=9.5, leading=12.5),
        "small": sheet["BodyText"].clone(
            "small", fontSize=8, leading=10, textColor=colors.HexColor("#4f5a62")
        ),
        "h2": sheet["Heading2"].clone("h2", fontSize=12.5, spaceBefore=6, spaceAfter=2),
        "h3": sheet["Heading3"].clone("h3", fontSize=10, spaceBefore=5, spaceAfter=1),
    }


def notes_story(
    notes: Sequence[SessionNote], styles: dict[str, ParagraphStyle] | None = None
) -> list[object]:
    """The notes as reportlab flowables, for a document that holds more than notes
    (the client's record summary prints its session notes with these)."""
    styles = styles or _styles()
    story: list[object] = []
    for note in notes:
        story.extend(_note_story(note, styles))
    return story


def notes_pdf(
    notes: Sequence[SessionNote],
    *,
    client: Client,
    audience: str = "client",
    recipient: str = "",
    prepared_by: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> bytes:
    """The notes (with rows and addenda prefetched) as one PDF document."""
    sheet = getSampleStyleSheet()
    styles = _styles()
    buffer = BytesIO()
    title = f"Session notes: {client.full_name}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=title,
        author=prepared_by or "Sacrum",
    )
    period = "all sessions"
    if start or end:
        period = f"sessions {start or '…'} to {end or '…'}"
    for_whom = AUDIENCE_WORDS.get(audience, AUDIENCE_WORDS["client"])
    if recipient:
        for_whom += f": {recipient}"
    story: list[object] = [
        Paragraph(escape(title), sheet["Title"]),
        _p(
            f"{client.clinic.name} · {period} · {len(notes)} note{'s' if len(notes) != 1 else ''}",
            styles["body"],
        ),
        _p(
            f"{for_whom}. Produced {timezone.localdate():%d %B %Y}"
            + (f" by {prepared_by}" if prepared_by else "")
            + ".",
            styles["body"],
        ),
        Spacer(1, 2 * mm),
        _p(DISCLAIMER, styles["small"]),
        Spacer(1, 4 * mm),
    ]
    if not notes:
        story.append(_p("No session notes in this period.", styles["body"]))
    story.extend(notes_story(notes, styles))
    doc.build(story)
    return buffer.getvalue()
