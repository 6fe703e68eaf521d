"""/api/v1 billing reports: takings of a day, outstanding by age, revenue, no-shows and late
cancellations, use of hours and rooms (the same selectors as the page).

Amounts are decimal strings in the clinic's currency (``"75.00"``), shares fractions
(``"0.6250"``) or null. ``day`` defaults to today, the period (``start``, ``end``) to this
month so far, at most a year; an end before the start is a 422 by the field. Money reports
need ``billing.edit`` (owner, front desk), the use of hours ``billing.manage`` (owner).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema

from sacrum.billing import money, reports
from sacrum.billing.services import today_of
from sacrum.kernel.api import actor_of
from sacrum.kernel.fields import Day
from sacrum.kernel.permissions import require

router = Router(tags=["billing"])


class TakingsRowOut(Schema):
    method: str
    payments: int
    received: str
    refunds: int
    refunded: str
    takings: str


class TakingsOut(Schema):
    day: dt.date
    currency: str
    methods: list[TakingsRowOut]
    total: TakingsRowOut


class OutstandingRowOut(Schema):
    client_id: uuid.UUID | None
    client: str
    invoices: int
    not_yet_due: str
    days_1_30: str
    days_31_60: str
    days_61_90: str
    over_90: str
    total: str
    oldest_days_past_due: int


class OutstandingOut(Schema):
    on: dt.date
    currency: str
    clients: list[OutstandingRowOut]
    total: OutstandingRowOut


class RevenueRowOut(Schema):
    key: str
    label: str
    invoices: int
    credit_notes: int
    net: str
    tax: str
    gross: str


class RevenueOut(Schema):
    start: dt.date
    end: dt.date
    currency: str
    total: RevenueRowOut
    by_month: list[RevenueRowOut]
    by_practitioner: list[RevenueRowOut]
    by_service: list[RevenueRowOut]


class MissedRowOut(Schema):
    practitioner_id: uuid.UUID | None
    practitioner: str
    no_shows: int
    late_cancellations: int
    fees_charged: int
    charged: str
    fees_waived: int
    waived: str
    package_credits: int


class MissedOut(Schema):
    start: dt.date
    end: dt.date
    currency: str
    practitioners: list[MissedRowOut]
    total: MissedRowOut


class UseRowOut(Schema):
    id: str
    name: str
    location: str
    available_hours: str
    booked_hours: str
    share: str | None


class UseOut(Schema):
    start: dt.date
    end: dt.date
    practitioners: list[UseRowOut]
    rooms: list[UseRowOut]


def _period(request: HttpRequest, start: dt.date | None, end: dt.date | None) -> reports.Period:
    actor = actor_of(request)
    return reports.period_of(start, end, today=today_of(actor.member.clinic))


def _takings_row(r: reports.TakingsRow, currency: str) -> TakingsRowOut:
    def m(x: Decimal) -> str:
        return str(money.rounded(x, currency))

    return TakingsRowOut(
        method=r.method,
        payments=r.payments,
        received=m(r.received),
        refunds=r.refunds,
        refunded=m(r.refunded),
        takings=m(r.net),
    )


@router.get("/billing/reports/takings", response=TakingsOut)
def takings(request: HttpRequest, day: Day | None = None) -> TakingsOut:
    actor = actor_of(request)
    require(actor, reports.MONEY)
    found = reports.takings(actor, reports.day_of(day, today=today_of(actor.member.clinic)))
    return TakingsOut(
        day=found.day,
        currency=found.currency,
        methods=[_takings_row(r, found.currency) for r in found.rows],
        total=_takings_row(found.total, found.currency),
    )


def _outstanding_row(r: reports.OutstandingRow, currency: str) -> OutstandingRowOut:
    def m(key: str) -> str:
        return str(money.rounded(r.buckets[key], currency))

    return OutstandingRowOut(
        client_id=r.client_id,
        client=r.client,
        invoices=r.invoices,
        not_yet_due=m("current"),
        days_1_30=m("days_1_30"),
        days_31_60=m("days_31_60"),
        days_61_90=m("days_61_90"),
        over_90=m("over_90"),
        total=str(money.rounded(r.total, currency)),
        oldest_days_past_due=r.oldest_days,
    )


@router.get("/billing/reports/outstanding", response=OutstandingOut)
def outstanding(request: HttpRequest) -> OutstandingOut:
    actor = actor_of(request)
    found = reports.outstanding(actor)
    return OutstandingOut(
        on=found.today,
        currency=found.currency,
        clients=[_outstanding_row(r, found.currency) for r in found.rows],
        total=_outstanding_row(found.total, found.currency),
    )


def _revenue_row(r: reports.RevenueRow, currency: str) -> RevenueRowOut:
    return RevenueRowOut(
        key=r.key,
        label=r.label,
        invoices=r.invoices,
        credit_notes=r.credit_notes,
        net=str(money.rounded(r.net, currency)),
        tax=str(money.rounded(r.tax, currency)),
        gross=str(money.rounded(r.gross, currency)),
    )


@router.get("/billing/reports/revenue", response=RevenueOut)
def revenue(request: HttpRequest, start: Day | None = None, end: Day | None = None) -> RevenueOut:
    actor = actor_of(request)
    require(actor, reports.MONEY)
    found = reports.revenue(actor, _period(request, start, end))
    c = found.currency
    return RevenueOut(
        start=found.period.first,
        end=found.period.last,
        currency=c,
        total=_revenue_row(found.total, c),
        by_month=[_revenue_row(r, c) for r in found.by_month],
        by_practitioner=[_revenue_row(r, c) for r in found.by_practitioner],
        by_service=[_revenue_row(r, c) for r in found.by_service],
    )


def _missed_row(r: reports.MissedRow, currency: str) -> MissedRowOut:
    return MissedRowOut(
        practitioner_id=r.practitioner_id,
        practitioner=r.practitioner,
        no_shows=r.no_shows,
        late_cancellations=r.late_cancellations,
        fees_charged=r.fees_charged,
        charged=str(money.rounded(r.charged, currency)),
        fees_waived=r.fees_waived,
        waived=str(money.rounded(r.waived, currency)),
        package_credits=r.package_credits,
    )


@router.get("/billing/reports/no-shows", response=MissedOut)
def no_shows(request: HttpRequest, start: Day | None = None, end: Day | None = None) -> MissedOut:
    actor = actor_of(request)
    require(actor, reports.MONEY)
    found = reports.missed(actor, _period(request, start, end))
    return MissedOut(
        start=found.period.first,
        end=found.period.last,
        currency=found.currency,
        practitioners=[_missed_row(r, found.currency) for r in found.rows],
        total=_missed_row(found.total, found.currency),
    )


def _use_row(r: reports.UseRow) -> UseRowOut:
    share = r.share
    return UseRowOut(
        id=r.key,
        name=r.label,
        location=r.place,
        available_hours=str(r.available_hours),
        booked_hours=str(r.booked_hours),
        share=None if share is None else str(share.quantize(Decimal("0.0001"))),
    )


@router.get("/billing/reports/use", response=UseOut)
def use(request: HttpRequest, start: Day | None = None, end: Day | None = None) -> UseOut:
    actor = actor_of(request)
    require(actor, reports.HOURS)
    found = reports.use(actor, _period(request, start, end))
    return UseOut(
        start=found.period.first,
        end=found.period.last,
        practitioners=[_use_row(r) for r in found.practitioners],
        rooms=[_use_row(r) for r in found.rooms],
    )
