"""/api/v1 billing: settings, invoices and credit notes, payments and refunds, balances.

Amounts travel as decimal strings (``"75.00"``) in the clinic's currency. Bad input is a
422 by field and writes nothing; an issued invoice is never changed (403, ``Locked``);
issuing twice or voiding a paid invoice is a 409. ``POST /payments`` with an
``external_reference`` is idempotent: a terminal or payment link may send it again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from sacrum.billing import money, selectors, services
from sacrum.billing.models import BillingSettings, Invoice, InvoiceLine, LineKind, Method, Payment
from sacrum.billing.report_api import router as report_router
from sacrum.clients.selectors import client_for
from sacrum.kernel.api import PageOut, actor_of, paginate
from sacrum.kernel.fields import Day, PageNumber, PageSize
from sacrum.kernel.permissions import require
from sacrum.scheduling import selectors as scheduling
from sacrum.scheduling.models import Appointment

router = Router(tags=["billing"])

AmountIn = Field(max_digits=15, decimal_places=3, allow_inf_nan=False)


class SettingsOut(Schema):
    currency: str
    prices_include_tax: bool
    tax_number: str
    tax_registered: bool
    default_tax_rate: Decimal
    number_prefix: str
    number_digits: int
    payment_terms_days: int
    invoice_text: str
    locale: str
    invoice_on_completion: bool
    package_on_late_cancel: bool
    package_on_no_show: bool

    @staticmethod
    def resolve_currency(obj: BillingSettings) -> str:
        return obj.clinic.currency


class SettingsPatch(Schema):
    prices_include_tax: bool | None = None
    tax_number: str | None = Field(None, max_length=40)
    default_tax_rate: Decimal | None = Field(None, ge=0, le=100, decimal_places=2)
    number_prefix: str | None = Field(None, max_length=20)
    number_digits: int | None = Field(None, ge=1, le=10)
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    invoice_text: str | None = Field(None, max_length=2000)
    locale: str | None = Field(None, max_length=10)
    invoice_on_completion: bool | None = None
    package_on_late_cancel: bool | None = None
    package_on_no_show: bool | None = None


class LineIn(Schema):
    description: str = Field(max_length=200)
    unit_price: Decimal = AmountIn
    quantity: Decimal = Field(Decimal("1"), max_digits=10, decimal_places=2, allow_inf_nan=False)
    kind: LineKind = LineKind.OTHER
    service_id: uuid.UUID | None = None
    tax_rate: Decimal | None = Field(None, max_digits=5, decimal_places=2, allow_inf_nan=False)
    discount_percent: Decimal = Field(
        Decimal("0"), max_digits=5, decimal_places=2, allow_inf_nan=False
    )


class InvoiceIn(Schema):
    client_id: uuid.UUID | None = Field(None, description="For a free invoice.")
    appointment_id: uuid.UUID | None = Field(
        None, description="A completed appointment: its draft (the existing one if made already)."
    )
    lines: list[LineIn] = Field(default_factory=list, max_length=services.MAX_LINES)


class LineOut(Schema):
    id: uuid.UUID
    kind: str
    description: str
    service_id: uuid.UUID | None
    quantity: Decimal
    unit_price: str
    tax_rate: Decimal
    discount_percent: Decimal
    net: str
    tax: str
    gross: str

    @staticmethod
    def resolve_unit_price(obj: InvoiceLine) -> str:
        return _money(obj.unit_price, obj.invoice.currency)

    @staticmethod
    def resolve_net(obj: InvoiceLine) -> str:
        return _money(obj.net, obj.invoice.currency)

    @staticmethod
    def resolve_tax(obj: InvoiceLine) -> str:
        return _money(obj.tax, obj.invoice.currency)

    @staticmethod
    def resolve_gross(obj: InvoiceLine) -> str:
        return _money(obj.gross, obj.invoice.currency)


class InvoiceOut(Schema):
    id: uuid.UUID
    kind: str
    status: str
    state: str
    number: str
    client_id: uuid.UUID
    bill_to: str
    appointment_id: uuid.UUID | None
    credits_id: uuid.UUID | None
    currency: str
    prices_include_tax: bool
    net_total: str
    tax_total: str
    total: str
    paid: str
    credited: str
    outstanding: str
    issued_on: dt.date | None
    due_on: dt.date | None
    reason: str
    void_reason: str
    lines: list[LineOut]

    @staticmethod
    def resolve_net_total(obj: Invoice) -> str:
        return _money(obj.net_total, obj.currency)

    @staticmethod
    def resolve_tax_total(obj: Invoice) -> str:
        return _money(obj.tax_total, obj.currency)

    @staticmethod
    def resolve_total(obj: Invoice) -> str:
        return _money(obj.total, obj.currency)

    @staticmethod
    def resolve_state(obj: Invoice) -> str:
        return selectors.state_of(obj)

    @staticmethod
    def resolve_number(obj: Invoice) -> str:
        return obj.number_text

    @staticmethod
    def resolve_bill_to(obj: Invoice) -> str:
        return obj.bill_to or obj.client.full_name

    @staticmethod
    def resolve_paid(obj: Invoice) -> str:
        return _money(selectors.paid(obj), obj.currency)

    @staticmethod
    def resolve_credited(obj: Invoice) -> str:
        return _money(Decimal(getattr(obj, "credited_amount", 0)), obj.currency)

    @staticmethod
    def resolve_outstanding(obj: Invoice) -> str:
        return _money(selectors.outstanding(obj), obj.currency)

    @staticmethod
    def resolve_lines(obj: Invoice) -> list[InvoiceLine]:
        return list(obj.lines.all())


class VoidIn(Schema):
    reason: str = Field(max_length=300)


class CreditNoteIn(Schema):
    reason: str = Field(max_length=300)
    line_ids: list[uuid.UUID] | None = Field(None, description="Default: every line.")


class PaymentIn(Schema):
    client_id: uuid.UUID
    amount: Decimal = AmountIn
    method: Method
    invoice_id: uuid.UUID | None = None
    received_on: Day | None = Field(None, description="Default: today.")
    external_reference: str = Field(
        "", max_length=100, description="The terminal's or payment link's id: recorded once."
    )
    note: str = Field("", max_length=300)


class RefundIn(Schema):
    amount: Decimal = AmountIn
    method: Method
    note: str = Field("", max_length=300)


class PaymentOut(Schema):
    id: uuid.UUID
    kind: str
    client_id: uuid.UUID
    invoice_id: uuid.UUID | None
    refund_of_id: uuid.UUID | None
    method: str
    amount: str
    currency: str
    received_on: dt.date
    external_reference: str
    note: str

    @staticmethod
    def resolve_amount(obj: Payment) -> str:
        return _money(obj.amount, obj.currency)


class BalanceOut(Schema):
    client_id: uuid.UUID
    currency: str
    invoiced: str
    credited: str
    paid: str
    refunded: str
    owed: str
    credit: str


def _money(amount: Decimal, currency: str) -> str:
    """An amount in the currency's minor unit, as text: ``"75.00"``, ``"7500"`` (JPY)."""
    return str(money.rounded(Decimal(amount), currency))


def _invoice(actor: Any, invoice_id: Any) -> Invoice:
    return selectors.invoices_for(actor).prefetch_related("lines__invoice").get(pk=invoice_id)


def _line(actor: Any, line: LineIn) -> services.LineInput:
    return services.LineInput(
        description=line.description,
        unit_price=line.unit_price,
        quantity=line.quantity,
        kind=line.kind,
        service=scheduling.pick_service(actor, line.service_id) if line.service_id else None,
        tax_rate=line.tax_rate,
        discount_percent=line.discount_percent,
    )


@router.get("/billing/settings", response=SettingsOut)
def get_settings(request: HttpRequest) -> BillingSettings:
    actor = actor_of(request)
    require(actor, "billing.view")
    found = services.settings_for(actor.member.clinic_id)
    found.clinic = actor.member.clinic
    return found


@router.patch("/billing/settings", response=SettingsOut)
def update_settings(request: HttpRequest, payload: SettingsPatch) -> BillingSettings:
    actor = actor_of(request)
    data = payload.model_dump(exclude_unset=True)
    updated = services.update_settings(actor=actor, data=data)
    updated.clinic = actor.member.clinic
    return updated


@router.get("/invoices", response=PageOut[InvoiceOut])
def list_invoices(
    request: HttpRequest,
    state: str = "",
    client_id: uuid.UUID | None = None,
    outstanding: bool = False,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    actor = actor_of(request)
    if state in ("unpaid", "partly_paid", "paid") or outstanding:
        rows = selectors.filtered(
            actor, state=state, client_id=client_id, outstanding_only=outstanding
        )
        ids = [x.pk for x in rows]
        qs = selectors.invoices_for(actor).filter(pk__in=ids).prefetch_related("lines__invoice")
    else:
        qs = selectors.invoices_for(actor, state=state, client_id=client_id).prefetch_related(
            "lines__invoice"
        )
    return paginate(qs, page, page_size)


@router.post("/invoices", response={201: InvoiceOut})
def create_invoice(request: HttpRequest, payload: InvoiceIn) -> Status[Invoice]:
    actor = actor_of(request)
    if payload.appointment_id is not None:
        appointment = scheduling.pick(
            Appointment.objects.for_member(actor.member, "view"),
            payload.appointment_id,
            "appointment_id",
            "appointment",
        )
        invoice = services.invoice_for_appointment(actor=actor, appointment=appointment)
        for line in payload.lines:
            services.add_line(actor=actor, invoice=invoice, line=_line(actor, line))
    else:
        if payload.client_id is None:
            raise ValidationError({"client_id": "Choose a client or a completed appointment."})
        client = scheduling.pick_client(actor, payload.client_id)
        invoice = services.create_invoice(
            actor=actor, client=client, lines=[_line(actor, x) for x in payload.lines]
        )
    return Status(201, _invoice(actor, invoice.pk))


@router.get("/invoices/{invoice_id}", response=InvoiceOut)
def get_invoice(request: HttpRequest, invoice_id: uuid.UUID) -> Invoice:
    actor = actor_of(request)
    selectors.invoice_for(actor, invoice_id)
    return _invoice(actor, invoice_id)


@router.delete("/invoices/{invoice_id}", response={204: None})
def delete_invoice(request: HttpRequest, invoice_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    services.delete_draft(actor=actor, invoice=selectors.invoice_for(actor, invoice_id))
    return Status(204, None)


@router.post("/invoices/{invoice_id}/lines", response={201: InvoiceOut})
def add_line(request: HttpRequest, invoice_id: uuid.UUID, payload: LineIn) -> Status[Invoice]:
    actor = actor_of(request)
    invoice = selectors.invoice_for(actor, invoice_id)
    services.add_line(actor=actor, invoice=invoice, line=_line(actor, payload))
    return Status(201, _invoice(actor, invoice_id))


@router.post("/invoices/{invoice_id}/issue", response=InvoiceOut)
def issue_invoice(request: HttpRequest, invoice_id: uuid.UUID) -> Invoice:
    actor = actor_of(request)
    services.issue(actor=actor, invoice=selectors.invoice_for(actor, invoice_id))
    return _invoice(actor, invoice_id)


@router.post("/invoices/{invoice_id}/void", response=InvoiceOut)
def void_invoice(request: HttpRequest, invoice_id: uuid.UUID, payload: VoidIn) -> Invoice:
    actor = actor_of(request)
    invoice = selectors.invoice_for(actor, invoice_id)
    services.void_invoice(actor=actor, invoice=invoice, reason=payload.reason)
    return _invoice(actor, invoice_id)


@router.post("/invoices/{invoice_id}/credit-note", response={201: InvoiceOut})
def credit_note(
    request: HttpRequest, invoice_id: uuid.UUID, payload: CreditNoteIn
) -> Status[Invoice]:
    actor = actor_of(request)
    invoice = selectors.invoice_for(actor, invoice_id)
    note = services.credit_note(
        actor=actor, invoice=invoice, reason=payload.reason, line_ids=payload.line_ids
    )
    return Status(201, _invoice(actor, note.pk))


@router.get("/payments", response=PageOut[PaymentOut])
def list_payments(
    request: HttpRequest,
    client_id: uuid.UUID | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    return paginate(selectors.payments_for(actor_of(request), client_id=client_id), page, page_size)


@router.post("/payments", response={201: PaymentOut})
def record_payment(request: HttpRequest, payload: PaymentIn) -> Status[Payment]:
    actor = actor_of(request)
    client = scheduling.pick_client(actor, payload.client_id)
    invoice = None
    if payload.invoice_id is not None:
        invoice = scheduling.pick(
            selectors.invoices_for(actor), payload.invoice_id, "invoice_id", "invoice"
        )
    payment = services.record_payment(
        actor=actor,
        client=client,
        payment=services.PaymentInput(
            amount=payload.amount,
            method=payload.method,
            received_on=payload.received_on,
            invoice=invoice,
            external_reference=payload.external_reference,
            note=payload.note,
        ),
    )
    return Status(201, payment)


@router.get("/payments/{payment_id}", response=PaymentOut)
def get_payment(request: HttpRequest, payment_id: uuid.UUID) -> Payment:
    return selectors.payment_for(actor_of(request), payment_id)


@router.post("/payments/{payment_id}/refund", response={201: PaymentOut})
def refund_payment(
    request: HttpRequest, payment_id: uuid.UUID, payload: RefundIn
) -> Status[Payment]:
    actor = actor_of(request)
    payment = selectors.payment_for(actor, payment_id)
    refund = services.refund(
        actor=actor,
        payment=payment,
        amount=payload.amount,
        method=payload.method,
        note=payload.note,
    )
    return Status(201, refund)


@router.get("/clients/{client_id}/balance", response=BalanceOut)
def client_balance(request: HttpRequest, client_id: uuid.UUID) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "billing.view")
    client = client_for(actor, client_id)
    balance = selectors.balance_of(client.pk)
    currency = actor.member.clinic.currency
    return {
        "client_id": client.pk,
        "currency": currency,
        **{
            name: _money(getattr(balance, name), currency)
            for name in ("invoiced", "credited", "paid", "refunded", "owed", "credit")
        },
    }


# The reports' routes live in their own module (report_api.py), under the same tag.
router.add_router("", report_router)
