"""The practice report as a PDF (reportlab; no system libraries)."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sacrum.outcomes.reports import Report


def _num(value: float | None, places: int = 1) -> str:
    return "—" if value is None else f"{value:.{places}f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)} %"


def report_pdf(report: Report, clinic_name: str) -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"Outcome report: {clinic_name}",
        author="Sacrum",
    )
    period = "all measurements"
    if report.start or report.end:
        period = f"measurement began {report.start or '…'} to {report.end or '…'}"
    story = [
        Paragraph(f"Outcome report: {escape(clinic_name)}", styles["Title"]),
        Paragraph(f"{period}; produced {timezone.localdate():%d %B %Y}", styles["BodyText"]),
        Spacer(1, 4 * mm),
        Paragraph(report.statement, styles["BodyText"]),
        Spacer(1, 4 * mm),
    ]
    head = [
        "Condition · measure",
        "With baseline",
        "Follow-up · lost",
        "Reached the MIC (95 % CI)",
        "Median change (IQR)",
        "Mean change (95 % CI)",
    ]
    rows: list[list[object]] = [[Paragraph(f"<b>{h}</b>", small) for h in head]]
    for r in report.rows:
        responders = "—"
        if r.responder_share is not None:
            responders = (
                f"{r.responders} of {r.with_follow_up} ({_pct(r.responder_share)}, "
                f"{_pct(r.responder_lower)} to {_pct(r.responder_upper)})"
            )
        median = "—"
        if r.median_change is not None:
            median = f"{_num(r.median_change)} ({_num(r.q1_change)} to {_num(r.q3_change)})"
        mean = _num(r.mean_change)
        if r.mean_lower is not None:
            mean += f" ({_num(r.mean_lower)} to {_num(r.mean_upper)})"
        label = (
            f"{escape(r.condition_label)} · {escape(r.instrument_title)}<br/>"
            f"<font size=7>{escape(r.unit)}; {r.direction}; MIC {escape(r.mic)}</font>"
        )
        lost = f"{r.lost_to_follow_up} lost"
        rows.append(
            [
                Paragraph(label, small),
                str(r.with_baseline),
                f"{r.with_follow_up} · {lost}",
                Paragraph(f"{responders}<br/><font size=7>{lost}</font>", small),
                Paragraph(f"{median}<br/><font size=7>{lost}</font>", small),
                Paragraph(f"{mean}<br/><font size=7>{lost}</font>", small),
            ]
        )
        for warning in r.warnings:
            rows.append([Paragraph(f"<i>{escape(warning)}</i>", small), "", "", "", "", ""])
    if len(rows) == 1:
        story.append(
            Paragraph("No client has a measurement in this period yet.", styles["BodyText"])
        )
    else:
        table = Table(
            rows, colWidths=[70 * mm, 22 * mm, 30 * mm, 55 * mm, 45 * mm, 45 * mm], repeatRows=1
        )
        style = [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.94, 0.93)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
        ]
        for index, row in enumerate(rows):
            if index and row[1] == "":
                style.append(("SPAN", (0, index), (-1, index)))
                style.append(("BACKGROUND", (0, index), (-1, index), colors.Color(1, 0.96, 0.86)))
        table.setStyle(TableStyle(style))
        story.append(table)
    doc.build(story)
    return buffer.getvalue()
