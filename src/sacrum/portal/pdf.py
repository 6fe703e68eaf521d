"""The client's record summary as a PDF (reportlab), built from the same dict as the JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sacrum.charting.models import SessionNote
from sacrum.charting.pdf import DISCLAIMER as NOTES_DISCLAIMER
from sacrum.charting.pdf import notes_story

NOTE = (
    "This is a summary of what the clinic keeps about you, made for you at your request. "
    "Questionnaire results describe how your answers changed over time; they do not show "
    "what caused a change, and nothing here says that craniosacral therapy treats or cures "
    "a condition."
)


def _when(text: str | None) -> str:
    if not text:
        return "—"
    value = dt.datetime.fromisoformat(text)
    return f"{value.day} {value:%B %Y, %H:%M}"


def _day(text: str | None) -> str:
    if not text:
        return "—"
    value = dt.date.fromisoformat(text[:10])
    return f"{value.day} {value:%B %Y}"


def record_pdf(summary: dict[str, Any], notes: Sequence[SessionNote] = ()) -> bytes:
    """The summary, then the signed session notes and their addenda (``notes``, with
    everything prefetched) printed exactly as the practitioner's note PDF prints them."""
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = body.clone("small", fontSize=8, leading=10)
    h2 = styles["Heading2"]
    client = summary["client"]
    clinic = summary["clinic"]
    name = f"{client['first_name']} {client['last_name']}"
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Record summary: {name}",
        author=clinic["name"],
    )

    def p(text: str, style: Any = body) -> Paragraph:
        return Paragraph(escape(text), style)

    def table(head: list[str], rows: list[list[str]], widths: list[float]) -> Table:
        data = [[Paragraph(f"<b>{escape(h)}</b>", small) for h in head]]
        data += [[Paragraph(escape(c), small) for c in row] for row in rows]
        t = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.94, 0.93)),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    story: list[Any] = [
        p(f"Record summary: {name}", styles["Title"]),
        p(f"{clinic['name']} · made {_when(summary['generated_at'])}"),
        Spacer(1, 3 * mm),
        p(NOTE, small),
        p("Your details", h2),
    ]
    details = [
        ["Date of birth", _day(client["date_of_birth"])],
        ["E-mail", client["email"] or "—"],
        ["Phone", client["phone"] or "—"],
        ["Address", client["address"] or "—"],
        ["Your doctor", ", ".join(x for x in client["physician"].values() if x) or "—"],
        ["What you come for", ", ".join(client["what_you_come_for"]) or "—"],
        ["In your words", client["in_your_words"] or "—"],
        ["Your goals", client["goals"] or "—"],
    ]
    story.append(table(["", ""], details, [45, 133]))

    appointments = summary["appointments"]
    story.append(p("Appointments", h2))
    visits = [*appointments["upcoming"], *appointments["past"]]
    if visits:
        story.append(
            table(
                ["When (local time)", "Service", "Practitioner", "Where", "Status"],
                [
                    [_when(v["start"]), v["service"], v["practitioner"], v["location"], v["status"]]
                    for v in visits
                ],
                [40, 40, 36, 40, 22],
            )
        )
    else:
        story.append(p("No appointments yet."))

    story.append(p("Consents you signed", h2))
    for c in summary["consents"]:
        state = f"; withdrawn {_when(c['withdrawn_at'])}" if c["withdrawn_at"] else ""
        story.append(
            p(
                f"{c['title']} (version {c['version']}), signed {_when(c['signed_at'])} as "
                f"“{c['typed_name']}”{state}."
            )
        )
    if not summary["consents"]:
        story.append(p("No signed consent on file."))

    story.append(p("Your health history", h2))
    history = summary["health_history"]
    if history is None:
        story.append(p("You have not filled in the health history yet."))
    else:
        story.append(p(f"Submitted {_when(history['submitted_at'])}."))
        for section in history["sections"]:
            story.append(p(section["title"], styles["Heading4"]))
            story.append(
                table(
                    ["Question", "Your answer"],
                    [[a["question"], str(a["answer"])] for a in section["answers"]],
                    [128, 50],
                )
            )

    story.append(p("Letters about you", h2))
    if summary["letters"]:
        story.append(
            table(
                ["Date", "Subject", "To"],
                [[_day(lt["date"]), lt["subject"], lt["to"]] for lt in summary["letters"]],
                [30, 90, 58],
            )
        )
    else:
        story.append(p("No letters."))

    story.append(p("Questionnaire results", h2))
    if summary["measures"]:
        story.append(
            table(
                ["Measure", "First (baseline)", "Latest", "Status"],
                [
                    [
                        m["measure"],
                        f"{m['baseline'] or '—'} ({_day(m['baseline_on'])})",
                        f"{m['latest'] or '—'} ({_day(m['latest_on'])})",
                        m["status"],
                    ]
                    for m in summary["measures"]
                ],
                [50, 38, 38, 52],
            )
        )
    else:
        story.append(p("No questionnaire results yet."))

    diary = summary["headache_diary"]
    story.append(p("Headache diary", h2))
    if diary:
        story.append(
            table(
                ["Day", "Headache", "Worst (0 to 10)", "Medicine", "Note"],
                [
                    [
                        _day(d["date"]),
                        "yes" if d["headache"] else "no",
                        "" if d["peak"] is None else str(d["peak"]),
                        "yes" if d["medication"] else "no",
                        d["note"],
                    ]
                    for d in diary
                ],
                [32, 22, 26, 22, 76],
            )
        )
    else:
        story.append(p("No diary days recorded."))

    story.append(p("Session notes", h2))
    if notes:
        story.append(
            p(
                "Every signed note of your sessions, with any addendum written after it. "
                "A signed note is locked; its content hash lets anyone check that it has "
                "not changed since it was signed.",
            )
        )
        story.append(p(NOTES_DISCLAIMER, small))
        story.extend(notes_story(notes))
    else:
        story.append(p("No signed session notes yet."))
    doc.build(story)
    return buffer.getvalue()
