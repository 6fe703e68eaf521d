"""The billing reports as tables: one plan for the page, the CSV files and the PDF.

Each table names its columns once. The page and the PDF write amounts for people (Babel,
the clinic's locale); the CSV writes plain decimal strings in the currency's minor unit
(``"75.00"``) and shares as fractions (``"0.6250"``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sacrum.billing import money, reports
from sacrum.kernel.actor import StaffActor

MONEY, COUNT, HOURS, SHARE, TEXT = "money", "count", "hours", "share", "text"


@dataclass(frozen=True)
class Column:
    key: str  # the CSV column
    label: str  # the page's and the PDF's heading
    kind: str = TEXT


@dataclass(frozen=True)
class ReportTable:
    key: str
    title: str
    note: str
    columns: tuple[Column, ...]
    rows: list[list[Any]]
    total: list[Any] | None = None


@dataclass(frozen=True)
class Everything:
    """Every report of one request: the day's takings, outstanding, the period's others."""

    day: dt.date
    period: reports.Period
    currency: str
    locale: str
    takings: reports.Takings
    outstanding: reports.Outstanding
    revenue: reports.Revenue
    missed: reports.Missed
    use: reports.Use | None  # owners only


def everything(actor: StaffActor, day: dt.date, period: reports.Period) -> Everything:
    revenue = reports.revenue(actor, period)
    return Everything(
        day=day,
        period=period,
        currency=revenue.currency,
        locale=reports.locale_of(actor),
        takings=reports.takings(actor, day),
        outstanding=reports.outstanding(actor),
        revenue=revenue,
        missed=reports.missed(actor, period),
        use=reports.use(actor, period) if actor.can(reports.HOURS) else None,
    )


def _days(period: reports.Period) -> str:
    return f"{period.first:%d %b %Y} to {period.last:%d %b %Y}"


REVENUE_COLUMNS = (
    Column("invoices", "Invoices", COUNT),
    Column("credit_notes", "Credit notes", COUNT),
    Column("net", "Net", MONEY),
    Column("tax", "Tax", MONEY),
    Column("gross", "Gross", MONEY),
)


def _revenue_row(r: reports.RevenueRow) -> list[Any]:
    return [r.label, r.invoices, r.credit_notes, r.net, r.tax, r.gross]


def tables(report: Everything) -> list[ReportTable]:
    t, o, rev, m = report.takings, report.outstanding, report.revenue, report.missed
    period = _days(report.period)
    out = [
        ReportTable(
            "takings",
            f"Takings on {t.day:%A %d %B %Y}",
            "Payments received that day by method, less refunds paid back that day.",
            (
                Column("method", "Method"),
                Column("payments", "Payments", COUNT),
                Column("received", "Received", MONEY),
                Column("refunds", "Refunds", COUNT),
                Column("refunded", "Refunded", MONEY),
                Column("net", "Takings", MONEY),
            ),
            [[r.label, r.payments, r.received, r.refunds, r.refunded, r.net] for r in t.rows],
            [
                "Total",
                t.total.payments,
                t.total.received,
                t.total.refunds,
                t.total.refunded,
                t.total.net,
            ],
        ),
        ReportTable(
            "outstanding",
            f"Outstanding on {o.today:%d %B %Y}",
            "Issued invoices not yet settled, by days past their due date.",
            (
                Column("client", "Client"),
                Column("invoices", "Invoices", COUNT),
                *(Column(key, label, MONEY) for key, label in reports.BUCKETS),
                Column("total", "Total", MONEY),
                Column("oldest_days_past_due", "Oldest (days past due)", COUNT),
            ),
            [
                [
                    r.client,
                    r.invoices,
                    *(r.buckets[k] for k, _l in reports.BUCKETS),
                    r.total,
                    r.oldest_days,
                ]
                for r in o.rows
            ],
            [
                "Total",
                o.total.invoices,
                *(o.total.buckets[k] for k, _l in reports.BUCKETS),
                o.total.total,
                o.total.oldest_days,
            ],
        ),
        ReportTable(
            "revenue_by_month",
            f"Revenue by month, {period}",
            "Issued invoices less issued credit notes, by the date they were issued. "
            "Void invoices are left out.",
            (Column("month", "Month"), *REVENUE_COLUMNS),
            [[r.key, *_revenue_row(r)[1:]] for r in rev.by_month],
            ["Total", *_revenue_row(rev.total)[1:]],
        ),
        ReportTable(
            "revenue_by_practitioner",
            f"Revenue by practitioner, {period}",
            "The practitioner of the invoiced appointment (a credit note counts for its "
            "invoice's).",
            (Column("practitioner", "Practitioner"), *REVENUE_COLUMNS),
            [_revenue_row(r) for r in rev.by_practitioner],
            ["Total", *_revenue_row(rev.total)[1:]],
        ),
        ReportTable(
            "revenue_by_service",
            f"Revenue by service, {period}",
            "From the invoice lines; counts are documents with such a line.",
            (Column("service", "Service or item"), *REVENUE_COLUMNS),
            [_revenue_row(r) for r in rev.by_service],
            None,
        ),
        ReportTable(
            "no_shows",
            f"No-shows and late cancellations, {period}",
            "Late cancellations are those by the client inside the cancellation window. "
            "Fees charged are not waived; a package credit may be used instead of a fee.",
            (
                Column("practitioner", "Practitioner"),
                Column("no_shows", "No-shows", COUNT),
                Column("late_cancellations", "Late cancellations", COUNT),
                Column("fees_charged", "Fees charged", COUNT),
                Column("charged", "Amount charged", MONEY),
                Column("fees_waived", "Fees waived", COUNT),
                Column("waived", "Amount waived", MONEY),
                Column("package_credits", "Package credits used", COUNT),
            ),
            [_missed_row(r) for r in m.rows],
            _missed_row(m.total),
        ),
    ]
    if report.use is not None:
        out += [
            ReportTable(
                "use_of_hours",
                f"Use of practitioners' hours, {period}",
                "Booked time (no-shows included) ÷ working time (weekly hours with their "
                "changes and closures, less time off).",
                (
                    Column("practitioner", "Practitioner"),
                    Column("working_hours", "Working hours", HOURS),
                    Column("booked_hours", "Booked hours", HOURS),
                    Column("use", "Use", SHARE),
                ),
                [
                    [r.label, r.available_hours, r.booked_hours, r.share]
                    for r in report.use.practitioners
                ],
            ),
            ReportTable(
                "use_of_rooms",
                f"Use of rooms, {period}",
                "Booked time in the room ÷ the hours its location is open (while anyone "
                "works there).",
                (
                    Column("room", "Room"),
                    Column("location", "Location"),
                    Column("open_hours", "Open hours", HOURS),
                    Column("booked_hours", "Booked hours", HOURS),
                    Column("use", "Use", SHARE),
                ),
                [
                    [r.label, r.place, r.available_hours, r.booked_hours, r.share]
                    for r in report.use.rooms
                ],
            ),
        ]
    return out


def _missed_row(r: reports.MissedRow) -> list[Any]:
    return [
        r.practitioner,
        r.no_shows,
        r.late_cancellations,
        r.fees_charged,
        r.charged,
        r.fees_waived,
        r.waived,
        r.package_credits,
    ]


def for_people(currency: str, locale: str) -> Callable[[str, Any], str]:
    def cell(kind: str, value: Any) -> str:
        if value is None:
            return "—"
        if kind == MONEY:
            return money.formatted(Decimal(value), currency, locale)
        if kind == SHARE:
            return f"{Decimal(value) * 100:.0f} %"
        if kind == HOURS:
            return f"{Decimal(value):.1f}"
        return str(value)

    return cell


def plain(currency: str) -> Callable[[str, Any], str]:
    def cell(kind: str, value: Any) -> str:
        if value is None:
            return ""
        if kind == MONEY:
            return str(money.rounded(Decimal(value), currency))
        if kind == SHARE:
            return str(Decimal(value).quantize(Decimal("0.0001")))
        return str(value)

    return cell


def shown(table: ReportTable, cell: Callable[[str, Any], str]) -> dict[str, Any]:
    """Cells as text, with whether each column is a number (right-aligned)."""
    kinds = [c.kind for c in table.columns]
    return {
        "table": table,
        "numeric": [k != TEXT for k in kinds],
        "rows": [[cell(k, v) for k, v in zip(kinds, row, strict=True)] for row in table.rows],
        "total": [cell(k, v) for k, v in zip(kinds, table.total, strict=True)]
        if table.total
        else None,
    }


def csv_text(table: ReportTable, currency: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.key for c in table.columns])
    cell = plain(currency)
    rows = table.rows + ([table.total] if table.total else [])
    for row in rows:
        writer.writerow([cell(c.kind, v) for c, v in zip(table.columns, row, strict=True)])
    return buffer.getvalue()


def pdf(report: Everything, clinic_name: str) -> bytes:
    """Every table of the report on landscape A4 (reportlab, as the invoices)."""
    styles = getSampleStyleSheet()
    cell = for_people(report.currency, report.locale)
    story: list[object] = [
        Paragraph(escape(clinic_name), styles["Title"]),
        Paragraph(
            escape(
                f"Billing reports: takings on {report.day:%d %B %Y}; "
                f"period {_days(report.period)}; amounts in {report.currency}."
            ),
            styles["BodyText"],
        ),
    ]
    for table in tables(report):
        data = shown(table, cell)
        rows = [[c.label for c in table.columns], *data["rows"]]
        if data["total"]:
            rows.append(data["total"])
        if len(rows) == 1:
            rows.append(["Nothing in this period", *[""] * (len(table.columns) - 1)])
        grid = Table(rows, repeatRows=1)
        style = [
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
            ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ]
        if data["total"]:
            style += [
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8),
            ]
        grid.setStyle(TableStyle(style))
        story += [
            Spacer(1, 6 * mm),
            Paragraph(escape(table.title), styles["Heading2"]),
            Paragraph(escape(table.note), styles["Italic"]),
            grid,
        ]
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        title="Billing reports",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    ).build(story)
    return buffer.getvalue()
