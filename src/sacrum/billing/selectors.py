"""Billing reads, scoped to the actor's clinic (another clinic's invoice is a 404).

The paid state is derived from payments, never stored: an issued invoice is
``unpaid``, ``partly_paid`` or ``paid`` by what was paid and credited against it.
Invoices carry names of services only, never anything clinical.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.billing.models import Invoice, Kind, Payment, PaymentKind, Status
from sacrum.kernel.actor import StaffActor

ZERO = Decimal("0")
AMOUNT = DecimalField(max_digits=14, decimal_places=3)


def _sum_of(qs: QuerySet[Any], group: str, column: str = "amount") -> Coalesce:
    """A correlated ``SUM`` (grouped by the column the outer row is matched on)."""
    summed = qs.order_by().values(group).annotate(s=Sum(column)).values("s")
    return Coalesce(Subquery(summed, output_field=AMOUNT), Value(ZERO), output_field=AMOUNT)


def with_amounts(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Each invoice with ``paid_amount`` and ``credited_amount`` (one query for the page)."""
    paid = Payment.objects.filter(invoice=OuterRef("pk"), kind=PaymentKind.PAYMENT)
    refunded = Payment.objects.filter(refund_of__invoice=OuterRef("pk"), kind=PaymentKind.REFUND)
    credited = Invoice.objects.filter(
        credits=OuterRef("pk"), kind=Kind.CREDIT_NOTE, status=Status.ISSUED
    )
    return qs.annotate(
        paid_in=_sum_of(paid, "invoice"),
        refunded_out=_sum_of(refunded, "refund_of__invoice"),
        credited_amount=_sum_of(credited, "credits", "total"),
    )


def state_of(invoice: Invoice) -> str:
    """draft, void, unpaid, partly_paid, paid (credit notes: issued)."""
    if invoice.status != Status.ISSUED:
        return str(invoice.status)
    if invoice.kind == Kind.CREDIT_NOTE:
        return "issued"
    left = outstanding(invoice)
    if left <= 0:
        return "paid"
    if paid(invoice) > 0 or getattr(invoice, "credited_amount", ZERO) > 0:
        return "partly_paid"
    return "unpaid"


STATE_WORDS = {
    "draft": "Draft",
    "void": "Void",
    "issued": "Issued",
    "unpaid": "Unpaid",
    "partly_paid": "Partly paid",
    "paid": "Paid",
}


def paid(invoice: Invoice) -> Decimal:
    return Decimal(getattr(invoice, "paid_in", ZERO)) - Decimal(
        getattr(invoice, "refunded_out", ZERO)
    )


def outstanding(invoice: Invoice) -> Decimal:
    if invoice.status != Status.ISSUED or invoice.kind != Kind.INVOICE:
        return ZERO
    return invoice.total - Decimal(getattr(invoice, "credited_amount", ZERO)) - paid(invoice)


def invoices_for(
    actor: StaffActor,
    *,
    state: str = "",
    client_id: Any = None,
    outstanding_only: bool = False,
) -> QuerySet[Invoice]:
    qs = with_amounts(
        Invoice.objects.for_member(actor.member, "view").select_related("client", "credits")
    )
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if state in ("draft", "void"):
        qs = qs.filter(status=state)
    elif state == "credit_note":
        qs = qs.filter(kind=Kind.CREDIT_NOTE)
    elif state in ("unpaid", "partly_paid", "paid", "issued"):
        qs = qs.filter(status=Status.ISSUED, kind=Kind.INVOICE)
    if outstanding_only:
        qs = qs.filter(status=Status.ISSUED, kind=Kind.INVOICE)
    return qs.order_by("-issued_at", "-created_at")


def filtered(
    actor: StaffActor, *, state: str = "", client_id: Any = None, outstanding_only: bool = False
) -> list[Invoice]:
    """The list with the derived states applied (at most 500 rows)."""
    rows = list(
        invoices_for(actor, state=state, client_id=client_id, outstanding_only=outstanding_only)[
            :500
        ]
    )
    if state in ("unpaid", "partly_paid", "paid"):
        rows = [x for x in rows if state_of(x) == state]
    if outstanding_only:
        rows = [x for x in rows if outstanding(x) > 0]
    return rows


def invoice_for(actor: StaffActor, invoice_id: Any) -> Invoice:
    invoice = get_scoped_or_404(invoices_for(actor), pk=invoice_id)
    audit.record(actor, AuditAction.READ, invoice)
    return invoice


def payments_for(actor: StaffActor, *, client_id: Any = None) -> QuerySet[Payment]:
    qs = Payment.objects.for_member(actor.member, "view").select_related("invoice", "refund_of")
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return qs.order_by("-recorded_at")


def payment_for(actor: StaffActor, payment_id: Any) -> Payment:
    payment = get_scoped_or_404(payments_for(actor), pk=payment_id)
    audit.record(actor, AuditAction.READ, payment)
    return payment


@dataclass(frozen=True)
class Balance:
    """What the client owes (positive) or has in credit (negative)."""

    invoiced: Decimal
    credited: Decimal
    paid: Decimal
    refunded: Decimal

    @property
    def owed(self) -> Decimal:
        return self.invoiced - self.credited - self.paid + self.refunded

    @property
    def credit(self) -> Decimal:
        return max(-self.owed, ZERO)


def balance_of(client_id: Any) -> Balance:
    """A client's balance: issued invoices less credit notes, payments and refunds."""
    issued = Invoice.objects.filter(client_id=client_id, status=Status.ISSUED)
    money = Payment.objects.filter(client_id=client_id)

    def total(qs: QuerySet[Any], column: str) -> Decimal:
        return Decimal(qs.aggregate(s=Sum(column))["s"] or ZERO)

    return Balance(
        invoiced=total(issued.filter(kind=Kind.INVOICE), "total"),
        credited=total(issued.filter(kind=Kind.CREDIT_NOTE), "total"),
        paid=total(money.filter(kind=PaymentKind.PAYMENT), "amount"),
        refunded=total(money.filter(kind=PaymentKind.REFUND), "amount"),
    )
