"""Billing reports: reads only, each a few grouped queries whatever the number of invoices.

* the day's takings by payment method (payments less refunds received that day);
* what is outstanding, per client, by how long it is past due;
* revenue (issued invoices less issued credit notes; void ones left out) by month,
  practitioner and service over a period;
* no-shows and late cancellations per practitioner, with the fees charged and waived;
* use of each practitioner's hours and of each room over a period.

Every figure is summed by the database (``GROUP BY``); Python only puts the rows in order
and adds a total line. Days are the clinic's own (its time zone): payments and invoices
carry a local date already, appointments are taken from local midnight to local midnight.
Money reports need ``billing.edit`` (owner, front desk); the use of hours and rooms
``billing.manage`` (owner). See docs/billing.md, "Reports".
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from sacrum.access.roles import Role
from sacrum.billing.models import (
    Invoice,
    InvoiceLine,
    Kind,
    LineKind,
    Method,
    Payment,
    PaymentKind,
    Status,
)
from sacrum.billing.money import rounded
from sacrum.billing.services import settings_for, today_of
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Location, Membership, Room
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.bounds import DATE_RANGE_TEXT, sensible
from sacrum.kernel.permissions import require
from sacrum.scheduling.intervals import Interval, normalize, subtract
from sacrum.scheduling.local_time import day_start, zone
from sacrum.scheduling.models import Appointment, AppointmentStatus, CancelledBy
from sacrum.scheduling.models.appointments import ACTIVE_VALUES
from sacrum.scheduling.slots import working_time

ZERO = Decimal("0")
AMOUNT = DecimalField(max_digits=16, decimal_places=3)
MAX_DAYS = 366
MONEY = "billing.edit"  # takings, outstanding, revenue, no-shows and fees
HOURS = "billing.manage"  # the use of practitioners' hours and of rooms (owner)
# Time a booking holds: every state that keeps the slot, and a no-show (it was booked).
BOOKED_STATES = (*ACTIVE_VALUES, AppointmentStatus.NO_SHOW.value)


def _amount(value: Any) -> Decimal:
    return Decimal(value) if value is not None else ZERO


def _rows(grouped: QuerySet[Any, Any]) -> list[dict[str, Any]]:
    """The rows of a ``values().annotate()`` query, as plain dicts."""
    return [dict(row) for row in grouped]


def _clinic(actor: StaffActor) -> Clinic:
    return actor.member.clinic


# --- Period -------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last``, both included."""

    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def instants(self, tz_name: str) -> tuple[dt.datetime, dt.datetime]:
        """Local midnight before ``first`` and after ``last`` (UTC)."""
        tz = zone(tz_name)
        return day_start(self.first, tz), day_start(self.last + dt.timedelta(days=1), tz)


def period_of(start: dt.date | None, end: dt.date | None, *, today: dt.date) -> Period:
    """The chosen period (default: this month up to today); errors by the field."""
    first = start or today.replace(day=1)
    last = end or (today if first <= today else first)
    errors: dict[str, str] = {}
    if not sensible(first):
        errors["start"] = f"Give a date {DATE_RANGE_TEXT}."
    if not sensible(last):
        errors["end"] = f"Give a date {DATE_RANGE_TEXT}."
    if not errors and last < first:
        errors["end"] = "The end cannot be before the start."
    elif not errors and (last - first).days + 1 > MAX_DAYS:
        errors["end"] = f"Choose at most a year ({MAX_DAYS} days)."
    if errors:
        raise ValidationError(errors)
    return Period(first, last)


def day_of(day: dt.date | None, *, today: dt.date) -> dt.date:
    chosen = day or today
    if not sensible(chosen):
        raise ValidationError({"day": f"Give a date {DATE_RANGE_TEXT}."})
    return chosen


# --- The day's takings ----------------------------------------------------------


@dataclass(frozen=True)
class TakingsRow:
    method: str
    label: str
    payments: int
    received: Decimal
    refunds: int
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.received - self.refunded


@dataclass(frozen=True)
class Takings:
    day: dt.date
    currency: str
    rows: list[TakingsRow]

    @property
    def total(self) -> TakingsRow:
        return TakingsRow(
            "total",
            "Total",
            sum(r.payments for r in self.rows),
            sum((r.received for r in self.rows), ZERO),
            sum(r.refunds for r in self.rows),
            sum((r.refunded for r in self.rows), ZERO),
        )


def takings(actor: StaffActor, day: dt.date) -> Takings:
    """Money received on ``day`` by method, refunds paid back that day subtracted. One query."""
    require(actor, MONEY)
    is_payment, is_refund = Q(kind=PaymentKind.PAYMENT), Q(kind=PaymentKind.REFUND)
    grouped = (
        Payment.objects.for_member(actor.member, "edit")
        .filter(received_on=day)
        .order_by()
        .values("method")
        .annotate(
            payment_count=Count("pk", filter=is_payment),
            received=Sum("amount", filter=is_payment),
            refund_count=Count("pk", filter=is_refund),
            refunded=Sum("amount", filter=is_refund),
        )
    )
    found = {row["method"]: row for row in _rows(grouped)}
    rows = []
    for method, label in Method.choices:
        row = found.get(method, {})
        rows.append(
            TakingsRow(
                method=method,
                label=str(label),
                payments=row.get("payment_count", 0),
                received=_amount(row.get("received")),
                refunds=row.get("refund_count", 0),
                refunded=_amount(row.get("refunded")),
            )
        )
    return Takings(day=day, currency=_clinic(actor).currency, rows=rows)


# --- Outstanding by age ---------------------------------------------------------

BUCKETS: tuple[tuple[str, str], ...] = (
    ("current", "Not yet due"),
    ("days_1_30", "1-30 days"),
    ("days_31_60", "31-60 days"),
    ("days_61_90", "61-90 days"),
    ("over_90", "Over 90 days"),
)


@dataclass(frozen=True)
class OutstandingRow:
    client_id: uuid.UUID | None
    client: str
    invoices: int
    buckets: dict[str, Decimal]
    oldest_days: int

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


@dataclass(frozen=True)
class Outstanding:
    today: dt.date
    currency: str
    rows: list[OutstandingRow]

    @property
    def total(self) -> OutstandingRow:
        return OutstandingRow(
            None,
            "Total",
            sum(r.invoices for r in self.rows),
            {key: sum((r.buckets[key] for r in self.rows), ZERO) for key, _l in BUCKETS},
            max((r.oldest_days for r in self.rows), default=0),
        )


def _contributions(actor: StaffActor) -> tuple[str, tuple[Any, ...]]:
    """Each issued invoice's total, and against it its issued credit notes, its payments
    (negative) and their refunds (positive), as one ``UNION ALL`` of scoped querysets:
    summed by invoice, what is still owed. Linear in the rows, no correlated subqueries."""
    invoices = Invoice.objects.for_member(actor.member, "edit").filter(status=Status.ISSUED)
    payments = Payment.objects.for_member(actor.member, "edit")
    parts: list[QuerySet[Any]] = [
        invoices.filter(kind=Kind.INVOICE).annotate(k=F("pk"), a=F("total")),
        invoices.filter(kind=Kind.CREDIT_NOTE).annotate(k=F("credits_id"), a=-F("total")),
        payments.filter(kind=PaymentKind.PAYMENT, invoice__isnull=False).annotate(
            k=F("invoice_id"), a=-F("amount")
        ),
        payments.filter(kind=PaymentKind.REFUND, refund_of__invoice__isnull=False).annotate(
            k=F("refund_of__invoice_id"), a=F("amount")
        ),
    ]
    first, *others = [part.order_by().values_list("k", "a") for part in parts]
    union = first.union(*others, all=True)
    sql, params = union.query.sql_with_params()
    return sql, tuple(params)


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def outstanding(actor: StaffActor, *, today: dt.date | None = None) -> Outstanding:
    """Issued invoices not yet settled (total less credit notes and payments, refunds
    added back), per client, by days past due. One query: the contributions summed by
    invoice, kept where something is owed, then summed by client and age."""
    require(actor, MONEY)
    clinic = _clinic(actor)
    today = today or today_of(clinic)
    union, params = _contributions(actor)
    invoice, client = Invoice._meta.db_table, Client._meta.db_table
    day = connection.ops.adapt_datefield_value

    def before(days: int) -> Any:
        return day(today - dt.timedelta(days=days))

    edges = [
        ("current", "due >= %s", [day(today)]),
        ("days_1_30", "due < %s AND due >= %s", [day(today), before(30)]),
        ("days_31_60", "due < %s AND due >= %s", [before(30), before(60)]),
        ("days_61_90", "due < %s AND due >= %s", [before(60), before(90)]),
        ("over_90", "due < %s", [before(90)]),
    ]
    sums = ", ".join(f"SUM(CASE WHEN {cond} THEN owed ELSE 0 END)" for _k, cond, _p in edges)
    sql = (
        f"SELECT o.client_id, c.first_name, c.preferred_name, c.last_name, COUNT(*), MIN(due), "  # noqa: S608
        f"{sums} FROM ("
        f"  SELECT i.client_id AS client_id, COALESCE(i.due_on, i.issued_on) AS due, "
        f"  s.owed AS owed FROM ("
        f"    SELECT u.k AS k, SUM(u.a) AS owed FROM ({union}) u GROUP BY u.k HAVING SUM(u.a) > 0"
        f"  ) s JOIN {invoice} i ON i.id = s.k"
        f") o JOIN {client} c ON c.id = o.client_id "
        f"GROUP BY o.client_id, c.first_name, c.preferred_name, c.last_name"
    )
    bucket_params = [p for _k, _c, ps in edges for p in ps]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*bucket_params, *params])
        found = cursor.fetchall()
    rows = []
    for client_id, first, preferred, last, count, oldest, *amounts in found:
        rows.append(
            OutstandingRow(
                client_id=uuid.UUID(str(client_id)),
                client=f"{preferred or first} {last}",
                invoices=count,
                buckets={
                    key: rounded(Decimal(str(value or 0)), clinic.currency)
                    for (key, _c, _p), value in zip(edges, amounts, strict=True)
                },
                oldest_days=max((today - _day(oldest)).days, 0),
            )
        )
    rows.sort(key=lambda r: (-r.total, r.client))
    return Outstanding(today=today, currency=clinic.currency, rows=rows)


# --- Revenue --------------------------------------------------------------------


def _signed(column: str, prefix: str = "") -> Sum:
    """A credit note's amount counts against revenue."""
    return Sum(
        Case(
            When(**{f"{prefix}kind": Kind.CREDIT_NOTE}, then=-F(column)),
            default=F(column),
            output_field=AMOUNT,
        )
    )


@dataclass(frozen=True)
class RevenueRow:
    key: str
    label: str
    invoices: int
    credit_notes: int
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class Revenue:
    period: Period
    currency: str
    by_month: list[RevenueRow]
    by_practitioner: list[RevenueRow]
    by_service: list[RevenueRow]

    @property
    def total(self) -> RevenueRow:
        return _total_of(self.by_month)


def _total_of(rows: list[RevenueRow]) -> RevenueRow:
    return RevenueRow(
        "total",
        "Total",
        sum(r.invoices for r in rows),
        sum(r.credit_notes for r in rows),
        sum((r.net for r in rows), ZERO),
        sum((r.tax for r in rows), ZERO),
        sum((r.gross for r in rows), ZERO),
    )


def _documents() -> dict[str, Any]:
    return {
        "invoices": Count("pk", filter=Q(kind=Kind.INVOICE)),
        "credit_notes": Count("pk", filter=Q(kind=Kind.CREDIT_NOTE)),
        "net": _signed("net_total"),
        "tax": _signed("tax_total"),
        "gross": _signed("total"),
    }


def revenue(actor: StaffActor, period: Period) -> Revenue:
    """Issued invoices less issued credit notes dated in the period (void ones left out).

    Four queries: by month, by practitioner (the appointment's; a credit note counts for
    its invoice's), the practitioners' names, by service (from the lines).
    """
    require(actor, MONEY)
    issued = Invoice.objects.for_member(actor.member, "edit").filter(
        status=Status.ISSUED, issued_on__gte=period.first, issued_on__lte=period.last
    )
    months = _rows(
        issued.order_by()
        .annotate(month=TruncMonth("issued_on"))
        .values("month")
        .annotate(**_documents())
        .order_by("month")
    )
    by_month = [
        RevenueRow(
            row["month"].strftime("%Y-%m"),
            row["month"].strftime("%B %Y"),
            row["invoices"],
            row["credit_notes"],
            _amount(row["net"]),
            _amount(row["tax"]),
            _amount(row["gross"]),
        )
        for row in months
    ]
    found = _rows(
        issued.order_by()
        .annotate(
            who=Coalesce("appointment__practitioner_id", "credits__appointment__practitioner_id")
        )
        .values("who")
        .annotate(**_documents())
    )
    names = _names([row["who"] for row in found if row["who"] is not None])
    by_practitioner = sorted(
        (
            RevenueRow(
                str(row["who"] or ""),
                names.get(row["who"], "Former practitioner")
                if row["who"]
                else "Not from an appointment",
                row["invoices"],
                row["credit_notes"],
                _amount(row["net"]),
                _amount(row["tax"]),
                _amount(row["gross"]),
            )
            for row in found
        ),
        key=lambda r: (r.key == "", -r.gross, r.label),
    )
    return Revenue(
        period=period,
        currency=_clinic(actor).currency,
        by_month=by_month,
        by_practitioner=by_practitioner,
        by_service=_by_service(actor, period),
    )


LINE_GROUPS = {
    LineKind.PACKAGE: "Package sales",
    LineKind.FEE: "Fees",
    LineKind.OTHER: "Other items",
    LineKind.SERVICE: "Services not in the list",
}


def _by_service(actor: StaffActor, period: Period) -> list[RevenueRow]:
    lines = _rows(
        InvoiceLine.objects.for_member(actor.member, "edit")
        .filter(
            invoice__status=Status.ISSUED,
            invoice__issued_on__gte=period.first,
            invoice__issued_on__lte=period.last,
        )
        .order_by()
        .values("service_id", "service__name", "kind")
        .annotate(
            invoices=Count("invoice", distinct=True, filter=Q(invoice__kind=Kind.INVOICE)),
            credit_notes=Count("invoice", distinct=True, filter=Q(invoice__kind=Kind.CREDIT_NOTE)),
            net=_signed("net", "invoice__"),
            tax=_signed("tax", "invoice__"),
            gross=_signed("gross", "invoice__"),
        )
    )
    merged: dict[str, dict[str, Any]] = {}
    for row in lines:
        if row["service_id"] is not None:
            key, label = str(row["service_id"]), row["service__name"]
        else:
            kind = LineKind(row["kind"]) if row["kind"] in LineKind.values else LineKind.OTHER
            key, label = kind.value, LINE_GROUPS[kind]
        into = merged.setdefault(
            key,
            {
                "label": label,
                "invoices": 0,
                "credit_notes": 0,
                "net": ZERO,
                "tax": ZERO,
                "gross": ZERO,
            },
        )
        for column in ("invoices", "credit_notes"):
            into[column] += row[column]
        for column in ("net", "tax", "gross"):
            into[column] += _amount(row[column])
    rows = [
        RevenueRow(
            key, v["label"], v["invoices"], v["credit_notes"], v["net"], v["tax"], v["gross"]
        )
        for key, v in merged.items()
    ]
    return sorted(rows, key=lambda r: (r.key in LINE_GROUPS, -r.gross, r.label))


def _names(member_ids: Iterable[Any]) -> dict[Any, str]:
    ids = list(member_ids)
    if not ids:
        return {}
    return {
        pk: name or "Unnamed"
        for pk, name in Membership.objects.filter(pk__in=ids).values_list("pk", "user__full_name")
    }


# --- No-shows and late cancellations ----------------------------------------------


@dataclass(frozen=True)
class MissedRow:
    practitioner_id: uuid.UUID | None
    practitioner: str
    no_shows: int
    late_cancellations: int
    fees_charged: int
    charged: Decimal
    fees_waived: int
    waived: Decimal
    package_credits: int


@dataclass(frozen=True)
class Missed:
    period: Period
    currency: str
    rows: list[MissedRow]

    @property
    def total(self) -> MissedRow:
        return MissedRow(
            None,
            "Total",
            sum(r.no_shows for r in self.rows),
            sum(r.late_cancellations for r in self.rows),
            sum(r.fees_charged for r in self.rows),
            sum((r.charged for r in self.rows), ZERO),
            sum(r.fees_waived for r in self.rows),
            sum((r.waived for r in self.rows), ZERO),
            sum(r.package_credits for r in self.rows),
        )


def missed(actor: StaffActor, period: Period) -> Missed:
    """No-shows and cancellations by the client inside the window, by the appointment's
    practitioner and start (local days), with their fees (charged: not waived). One query."""
    require(actor, MONEY)
    clinic = _clinic(actor)
    start, end = period.instants(clinic.time_zone)
    no_show = Q(status=AppointmentStatus.NO_SHOW)
    late = Q(
        status=AppointmentStatus.CANCELLED,
        cancelled_late=True,
        cancelled_by_party=CancelledBy.CLIENT,
    )
    charged = Q(fee__isnull=False, fee__waived_at__isnull=True)
    waived = Q(fee__isnull=False, fee__waived_at__isnull=False)
    grouped = (
        Appointment.objects.for_member(actor.member, "view")
        .filter(start__gte=start, start__lt=end)
        .filter(no_show | late)
        .order_by()
        .values("practitioner_id", "practitioner__user__full_name")
        .annotate(
            no_shows=Count("pk", filter=no_show),
            late_cancellations=Count("pk", filter=late),
            fees_charged=Count("fee", filter=charged),
            charged=Sum("fee__amount", filter=charged),
            fees_waived=Count("fee", filter=waived),
            waived=Sum("fee__amount", filter=waived),
            package_credits=Count("package_credit"),
        )
    )
    rows = sorted(
        (
            MissedRow(
                practitioner_id=row["practitioner_id"],
                practitioner=row["practitioner__user__full_name"] or "Unnamed",
                no_shows=row["no_shows"],
                late_cancellations=row["late_cancellations"],
                fees_charged=row["fees_charged"],
                charged=_amount(row["charged"]),
                fees_waived=row["fees_waived"],
                waived=_amount(row["waived"]),
                package_credits=row["package_credits"],
            )
            for row in grouped
        ),
        key=lambda r: r.practitioner,
    )
    return Missed(period=period, currency=clinic.currency, rows=rows)


# --- Use of hours and rooms -----------------------------------------------------


@dataclass(frozen=True)
class UseRow:
    key: str
    label: str
    place: str
    available_hours: Decimal
    booked_hours: Decimal

    @property
    def share(self) -> Decimal | None:
        """Booked ÷ available, 0-1 (None when there were no hours)."""
        if self.available_hours <= 0:
            return None
        return self.booked_hours / self.available_hours


@dataclass(frozen=True)
class Use:
    period: Period
    practitioners: list[UseRow]
    rooms: list[UseRow]


def _hours(seconds: float) -> Decimal:
    return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))


def _length(spans: Iterable[Interval]) -> int:
    return sum(end - start for start, end in spans)


@dataclass
class _Open:
    by_practitioner: dict[Any, int] = field(default_factory=lambda: defaultdict(int))
    by_location: dict[Any, int] = field(default_factory=dict)


def _open_hours(clinic: Clinic, locations: list[Location], period: Period) -> _Open:
    """Working time from weekly hours with exceptions and closures, less time off; a
    location is open while anyone works there. Two queries per location."""
    staff = Membership.objects.filter(
        clinic=clinic, active=True, role__in=[Role.OWNER, Role.PRACTITIONER]
    ).values("pk")
    found = _Open()
    for location in locations:
        worked = working_time(location, staff, period.first, period.last)
        everyone: list[Interval] = []
        for who, spans in worked.working.items():
            present = subtract(spans, worked.away.get(who, []))
            found.by_practitioner[who] += _length(present)
            everyone.extend(spans)
        found.by_location[location.pk] = _length(normalize(everyone))
    return found


def _booked(qs: QuerySet[Appointment], *group: str) -> list[dict[str, Any]]:
    length = ExpressionWrapper(F("end") - F("start"), output_field=DurationField())
    return list(qs.order_by().values(*group).annotate(booked=Sum(length)))


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value or 0) / 1e6


def use(actor: StaffActor, period: Period) -> Use:
    """Booked time ÷ working time per practitioner; booked ÷ open time per room."""
    require(actor, HOURS)
    clinic = _clinic(actor)
    start, end = period.instants(clinic.time_zone)
    locations = list(Location.objects.for_member(actor.member, "view").filter(active=True))
    open_hours = _open_hours(clinic, locations, period)
    booked = Appointment.objects.for_member(actor.member, "view").filter(
        start__gte=start, start__lt=end, status__in=BOOKED_STATES
    )
    by_who = {
        row["practitioner_id"]: _seconds(row["booked"])
        for row in _booked(booked, "practitioner_id")
    }
    staff = Membership.objects.filter(
        Q(pk__in=list(by_who)) | Q(pk__in=list(open_hours.by_practitioner)), clinic=clinic
    ).values_list("pk", "user__full_name")
    practitioners = sorted(
        (
            UseRow(
                str(pk),
                name or "Unnamed",
                "",
                _hours(open_hours.by_practitioner.get(pk, 0)),
                _hours(by_who.get(pk, 0)),
            )
            for pk, name in staff
        ),
        key=lambda r: r.label,
    )
    by_room = {
        row["room_id"]: _seconds(row["booked"])
        for row in _booked(booked.filter(room__isnull=False), "room_id")
    }
    places = {x.pk: x for x in locations}
    rooms = [
        UseRow(
            str(room.pk),
            room.name,
            places[room.location_id].name if room.location_id in places else "",
            _hours(open_hours.by_location.get(room.location_id, 0)),
            _hours(by_room.get(room.pk, 0)),
        )
        for room in Room.objects.for_member(actor.member, "view")
        .filter(Q(active=True, location__active=True) | Q(pk__in=list(by_room)))
        .order_by("location__name", "name")
    ]
    return Use(period=period, practitioners=practitioners, rooms=rooms)


def locale_of(actor: StaffActor) -> str:
    return settings_for(actor.member.clinic_id).locale
