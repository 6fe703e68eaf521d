"""Billing reports: the figures a clinic would check by hand, who sees them, CSV and PDF.

The test clock stands on Wednesday 10 June 2026, 13:00 in London (the clinic's zone).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from django.test import Client as HttpClient

from sacrum.billing import reports, services
from sacrum.billing.models import BillingSettings, Fee, FeeKind, Invoice
from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Room
from sacrum.scheduling.models import (
    Appointment,
    AppointmentStatus,
    CancelledBy,
    ServiceType,
    TimeOff,
    WeeklyHours,
)
from tests.billing.conftest import line
from tests.conftest import Persona

TODAY = dt.date(2026, 6, 10)
JUNE = reports.Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))


def _issue(owner: Persona, client: Client, *prices: str, **extra: Any) -> Invoice:
    draft = services.create_invoice(
        actor=owner.actor, client=client, lines=[line(f"Item {p}", p, **extra) for p in prices]
    )
    return services.issue(actor=owner.actor, invoice=draft)


def _pay(owner: Persona, client: Client, amount: str, method: str, **extra: Any) -> Any:
    return services.record_payment(
        actor=owner.actor,
        client=client,
        payment=services.PaymentInput(amount=Decimal(amount), method=method, **extra),
    )


# --- The day's takings ----------------------------------------------------------


def test_the_days_takings_by_method_with_a_refund_subtracted(
    owner: Persona, front_desk: Persona, a_client: Client, billing: BillingSettings
) -> None:
    first = _pay(owner, a_client, "30.00", "cash")
    _pay(owner, a_client, "45.00", "cash")
    _pay(owner, a_client, "75.00", "card")
    services.refund(actor=owner.actor, payment=first, amount=Decimal("20.00"), method="cash")
    _pay(owner, a_client, "50.00", "transfer", received_on=TODAY - dt.timedelta(days=1))

    found = reports.takings(front_desk.actor, TODAY)

    rows = {r.method: r for r in found.rows}
    assert (rows["cash"].payments, rows["cash"].received) == (2, Decimal("75.00"))
    assert (rows["cash"].refunds, rows["cash"].refunded) == (1, Decimal("20.00"))
    assert rows["cash"].net == Decimal("55.00")
    assert rows["card"].net == Decimal("75.00")
    assert rows["transfer"].net == 0  # received yesterday
    assert rows["other"].payments == 0
    assert found.total.net == Decimal("130.00")
    assert reports.takings(owner.actor, TODAY - dt.timedelta(days=1)).total.net == Decimal("50")


# --- Outstanding by age -----------------------------------------------------------


def test_an_invoice_45_days_past_due_is_in_31_to_60(
    owner: Persona, a_client: Client, billing: BillingSettings
) -> None:
    invoice = _issue(owner, a_client, "100.00")
    _pay(owner, a_client, "40.00", "cash", invoice=invoice)
    assert invoice.due_on == TODAY + dt.timedelta(days=14)
    later = invoice.due_on + dt.timedelta(days=45)

    found = reports.outstanding(owner.actor, today=later)

    (row,) = found.rows
    assert row.client == "Ada Lovelace" and row.invoices == 1
    assert row.buckets["days_31_60"] == Decimal("60.00")
    assert row.total == Decimal("60.00") and row.oldest_days == 45
    assert {k for k, v in row.buckets.items() if v} == {"days_31_60"}
    # On the due date itself it is not yet past due; paid in full it is gone.
    assert reports.outstanding(owner.actor, today=invoice.due_on).rows[0].buckets["current"] == 60
    _pay(owner, a_client, "60.00", "card", invoice=invoice)
    assert reports.outstanding(owner.actor, today=later).rows == []


def test_a_credit_note_and_a_refund_change_what_is_outstanding(
    owner: Persona, a_client: Client, billing: BillingSettings
) -> None:
    invoice = _issue(owner, a_client, "75.00", "25.00")
    paid = _pay(owner, a_client, "50.00", "cash", invoice=invoice)
    services.refund(actor=owner.actor, payment=paid, amount=Decimal("10.00"), method="cash")
    services.credit_note(
        actor=owner.actor,
        invoice=invoice,
        reason="Shorter session",
        line_ids=[invoice.lines.get(unit_price=Decimal("25")).pk],
    )
    assert reports.outstanding(owner.actor).total.total == Decimal("35.00")  # 100-25-50+10


# --- Revenue ------------------------------------------------------------------------


def test_revenue_by_month_follows_the_clinics_day_across_a_month_boundary(
    owner: Persona, a_client: Client, billing: BillingSettings, clock: Any
) -> None:
    clock.move_to(dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC))  # 23:30 in London: June
    _issue(owner, a_client, "60.00")
    clock.move_to(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC))  # 00:30 on 1 July
    _issue(owner, a_client, "80.00")

    found = reports.revenue(owner.actor, reports.Period(dt.date(2026, 6, 1), dt.date(2026, 7, 31)))

    assert [(r.key, r.gross) for r in found.by_month] == [
        ("2026-06", Decimal("60.00")),
        ("2026-07", Decimal("80.00")),
    ]
    # 20 % tax taken out of prices with tax: 80 = 66.67 + 13.33
    july = found.by_month[1]
    assert (july.net, july.tax) == (Decimal("66.67"), Decimal("13.33"))


def test_revenue_is_issued_invoices_less_credit_notes_and_void_is_left_out(
    owner: Persona,
    a_client: Client,
    billing: BillingSettings,
    appointment: Appointment,
    service: ServiceType,
) -> None:
    session = services.issue(
        actor=owner.actor,
        invoice=services.invoice_for_appointment(actor=owner.actor, appointment=appointment),
    )
    other = _issue(owner, a_client, "40.00")
    void = _issue(owner, a_client, "500.00")
    services.void_invoice(actor=owner.actor, invoice=void, reason="Made out by mistake")
    services.credit_note(actor=owner.actor, invoice=session, reason="Session cut short")
    services.create_invoice(actor=owner.actor, client=a_client, lines=[line("Draft", "999")])

    found = reports.revenue(owner.actor, JUNE)

    assert found.total.gross == Decimal("40.00")  # 75 + 40 - 75; void and draft left out
    assert (found.total.invoices, found.total.credit_notes) == (2, 1)
    who = {r.label: r for r in found.by_practitioner}
    assert who[owner.user.full_name].gross == 0  # the credit note counts for its invoice's
    assert (who[owner.user.full_name].invoices, who[owner.user.full_name].credit_notes) == (1, 1)
    assert who["Not from an appointment"].gross == Decimal("40.00")
    by_service = {r.label: r.gross for r in found.by_service}
    assert by_service == {service.name: Decimal("0.00"), "Other items": Decimal("40.00")}
    assert other.total == Decimal("40.00")


# --- No-shows and late cancellations --------------------------------------------------


def _missed(
    owner: Persona, client: Client, service: ServiceType, location: Location, day: int, **how: Any
) -> Appointment:
    start = dt.datetime(2026, 6, day, 9, 0, tzinfo=dt.UTC)
    end = start + dt.timedelta(minutes=50)
    return Appointment.objects.create(
        clinic=owner.clinic,
        client=client,
        practitioner=owner.member,
        service=service,
        location=location,
        start=start,
        end=end,
        blocked_start=start,
        blocked_end=end,
        **how,
    )


def test_no_shows_and_late_cancellations_with_fees_charged_and_waived(
    owner: Persona,
    front_desk: Persona,
    a_client: Client,
    service: ServiceType,
    location: Location,
) -> None:
    gone = _missed(owner, a_client, service, location, 2, status=AppointmentStatus.NO_SHOW)
    late = dict(
        status=AppointmentStatus.CANCELLED,
        cancelled_late=True,
        cancelled_by_party=CancelledBy.CLIENT,
        cancelled_at=dt.datetime(2026, 6, 2, 20, tzinfo=dt.UTC),
    )
    waived = _missed(owner, a_client, service, location, 3, **late)
    _missed(owner, a_client, service, location, 4, **late)
    clinic_cancelled = {**late, "cancelled_by_party": CancelledBy.CLINIC}
    _missed(owner, a_client, service, location, 5, **clinic_cancelled)
    Fee.objects.create(
        clinic=owner.clinic,
        client=a_client,
        appointment=gone,
        kind=FeeKind.NO_SHOW,
        amount=Decimal("40"),
    )
    Fee.objects.create(
        clinic=owner.clinic,
        client=a_client,
        appointment=waived,
        kind=FeeKind.LATE_CANCEL,
        amount=Decimal("30"),
        waived_at=dt.datetime(2026, 6, 4, 9, tzinfo=dt.UTC),
        waive_reason="Snowed in",
    )

    found = reports.missed(front_desk.actor, JUNE)

    (row,) = found.rows
    assert (row.no_shows, row.late_cancellations) == (1, 2)
    assert (row.fees_charged, row.charged) == (1, Decimal("40"))
    assert (row.fees_waived, row.waived) == (1, Decimal("30"))
    assert reports.missed(owner.actor, reports.Period(TODAY, TODAY)).rows == []


# --- Use of hours and rooms ------------------------------------------------------------


def test_use_of_hours_is_booked_time_over_working_time_less_time_off(
    owner: Persona, a_client: Client, service: ServiceType, location: Location
) -> None:
    room = Room.objects.create(location=location, name="Garden room")
    for weekday in range(5):  # Mon-Fri 09:00-13:00 local
        WeeklyHours.objects.create(
            practitioner=owner.member,
            location=location,
            weekday=weekday,
            start_time=dt.time(9),
            end_time=dt.time(13),
        )
    # Friday 5 June off (4 h), so the week of 1-5 June has 16 working hours.
    TimeOff.objects.create(
        practitioner=owner.member,
        start=dt.datetime(2026, 6, 4, 23, tzinfo=dt.UTC),
        end=dt.datetime(2026, 6, 5, 23, tzinfo=dt.UTC),
    )
    for day in (1, 2):  # 2 x 4 h booked (10:00-14:00 local is 09:00-13:00 UTC)
        start = dt.datetime(2026, 6, day, 8, 0, tzinfo=dt.UTC)
        end = start + dt.timedelta(hours=4)
        Appointment.objects.create(
            clinic=owner.clinic,
            client=a_client,
            practitioner=owner.member,
            service=service,
            location=location,
            room=room,
            start=start,
            end=end,
            blocked_start=start,
            blocked_end=end,
            status=AppointmentStatus.COMPLETED,
        )

    found = reports.use(owner.actor, reports.Period(dt.date(2026, 6, 1), dt.date(2026, 6, 5)))

    (me,) = found.practitioners
    assert (me.available_hours, me.booked_hours) == (Decimal("16.00"), Decimal("8.00"))
    assert me.share == Decimal("0.5")
    (garden,) = found.rooms
    # The location is open while anyone works there: 5 x 4 h (time off is the person's).
    assert (garden.available_hours, garden.booked_hours) == (Decimal("20.00"), Decimal("8.00"))
    assert garden.place == "Harbour Road"


# --- Periods ---------------------------------------------------------------------------


def test_a_period_is_checked_by_the_field() -> None:
    with pytest.raises(Exception) as caught:
        reports.period_of(dt.date(2026, 6, 10), dt.date(2026, 6, 1), today=TODAY)
    assert "before the start" in str(caught.value.message_dict["end"])  # type: ignore[attr-defined]
    with pytest.raises(Exception) as caught:
        reports.period_of(dt.date(2025, 1, 1), dt.date(2026, 6, 1), today=TODAY)
    assert "at most a year" in str(caught.value.message_dict["end"])  # type: ignore[attr-defined]
    default = reports.period_of(None, None, today=TODAY)
    assert (default.first, default.last) == (dt.date(2026, 6, 1), TODAY)


# --- Pages, CSV, PDF, API, access ----------------------------------------------------------


def _rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_front_desk_reads_the_money_reports_with_csv_and_pdf(
    owner: Persona,
    front_desk: Persona,
    a_client: Client,
    billing: BillingSettings,
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    invoice = _issue(owner, a_client, "75.00")
    _pay(owner, a_client, "75.00", "card", invoice=invoice)
    http = browser_as(front_desk)

    page = http.get("/billing/reports")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Takings on Wednesday 10 June 2026" in text and "£75.00" in text
    assert "Use of practitioners" not in text  # the owner's
    assert a_client.presenting_concerns not in text

    takings = http.get("/billing/reports?day=2026-06-10&format=csv&table=takings")
    assert takings["Content-Type"].startswith("text/csv")
    rows = _rows(takings)
    assert rows[0] == ["method", "payments", "received", "refunds", "refunded", "net"]
    assert ["Card at a terminal", "1", "75.00", "0", "0.00", "75.00"] in rows
    assert rows[-1][0] == "Total" and rows[-1][-1] == "75.00"
    month = _rows(http.get("/billing/reports?format=csv&table=revenue_by_month"))
    assert month[0] == ["month", "invoices", "credit_notes", "net", "tax", "gross"]
    assert month[1] == ["2026-06", "1", "0", "62.50", "12.50", "75.00"]
    outstanding = _rows(http.get("/billing/reports?format=csv&table=outstanding"))
    assert outstanding[0] == [
        "client",
        "invoices",
        "current",
        "days_1_30",
        "days_31_60",
        "days_61_90",
        "over_90",
        "total",
        "oldest_days_past_due",
    ]
    assert http.get("/billing/reports?format=csv&table=use_of_hours").status_code == 404
    assert http.get("/billing/reports?format=csv&table=nope").status_code == 404

    pdf = http.get("/billing/reports?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    words = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Stillwater Practice" in words and "£75.00" in words and "Revenue by month" in words


def test_the_owner_sees_the_use_of_hours_and_bad_dates_are_shown_by_the_field(
    owner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    http = browser_as(owner)
    assert "Use of rooms" in http.get("/billing/reports").content.decode()
    assert _rows(http.get("/billing/reports?format=csv&table=use_of_rooms"))[0] == [
        "room",
        "location",
        "open_hours",
        "booked_hours",
        "use",
    ]
    bad = http.get("/billing/reports?start=2026-06-10&end=2026-06-01")
    assert bad.status_code == 400
    assert "The end cannot be before the start." in bad.content.decode()
    assert 'id="id_end_error"' in bad.content.decode()
    long = http.get("/billing/reports?start=2025-01-01&end=2026-06-01&format=csv&table=takings")
    assert long.status_code == 400 and "at most a year" in long.content.decode()
    assert http.get("/billing/reports?day=2026-02-30").status_code == 400


def test_a_practitioner_sees_no_billing_reports(
    practitioner: Persona, browser_as: Callable[[Persona], HttpClient], api: Any
) -> None:
    assert browser_as(practitioner).get("/billing/reports").status_code == 403
    for path in ("takings", "outstanding", "revenue", "no-shows", "use"):
        status, _body = api(practitioner).get(f"/billing/reports/{path}")
        assert status == 403, path


def test_the_api_answers_with_decimal_strings_and_422_by_the_field(
    owner: Persona, front_desk: Persona, a_client: Client, billing: BillingSettings, api: Any
) -> None:
    invoice = _issue(owner, a_client, "75.00")
    _pay(owner, a_client, "30.00", "cash", invoice=invoice)
    status, body = api(front_desk).get("/billing/reports/takings?day=2026-06-10")
    assert status == 200 and body["total"]["takings"] == "30.00"
    assert [m["method"] for m in body["methods"]] == ["cash", "card", "transfer", "other"]
    status, body = api(front_desk).get("/billing/reports/revenue")
    assert status == 200 and body["total"]["gross"] == "75.00" and body["currency"] == "GBP"
    status, body = api(front_desk).get("/billing/reports/outstanding")
    assert status == 200 and body["clients"][0]["not_yet_due"] == "45.00"
    status, body = api(front_desk).get("/billing/reports/no-shows")
    assert status == 200 and body["practitioners"] == []
    assert api(front_desk).get("/billing/reports/use")[0] == 403
    status, body = api(owner).get("/billing/reports/use")
    assert status == 200 and body["rooms"] == []
    status, body = api(owner).get("/billing/reports/revenue?start=2026-06-10&end=2026-06-01")
    assert status == 422 and "end" in body["error"]["fields"]


def test_another_clinic_sees_none_of_these_figures(
    owner: Persona, outsider: Persona, a_client: Client, billing: BillingSettings, api: Any
) -> None:
    invoice = _issue(owner, a_client, "75.00")
    _pay(owner, a_client, "75.00", "cash", invoice=invoice)
    status, body = api(outsider).get("/billing/reports/revenue")
    assert status == 200 and body["total"]["gross"] == "0.00"
    status, body = api(outsider).get("/billing/reports/takings")
    assert status == 200 and body["total"]["received"] == "0.00"
    assert reports.outstanding(outsider.actor).rows == []
