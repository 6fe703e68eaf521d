"""The client's own invoices, credit notes and receipts in the portal.

Every query starts from the signed-in account's client (never an id from the request):
drafts are never shown (they are not sent yet); an invoice or payment named by id in a
query string is looked up under the account's own client, so another client's is a 404.
Each read is audited, as the other portal reads are.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.billing import money
from sacrum.billing import selectors as billing
from sacrum.billing.models import Invoice, Payment, Status
from sacrum.billing.packages import packages_of
from sacrum.billing.services import settings_for, today_of
from sacrum.kernel.actor import Actor
from sacrum.portal.models import PortalAccount


def _invoices(account: PortalAccount) -> QuerySet[Invoice]:
    return billing.with_amounts(
        Invoice.objects.filter(client_id=account.client_id, clinic_id=account.clinic_id)
        .exclude(status=Status.DRAFT)
        .select_related("credits", "clinic", "client")
    ).order_by("-issued_at")


def _payments(account: PortalAccount) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(client_id=account.client_id, clinic_id=account.clinic_id)
        .select_related("invoice", "clinic", "client")
        .order_by("-received_on", "-recorded_at")
    )


@dataclass(frozen=True)
class InvoiceRow:
    id: uuid.UUID
    title: str
    number: str
    kind: str
    state: str
    state_words: str
    issued_on: str
    due_on: str | None
    total: str
    outstanding: str
    currency: str
    corrects: str | None = None  # a credit note: the number of the invoice it corrects

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()

    @property
    def issued_on_text(self) -> str:
        return _day_text(self.issued_on)

    @property
    def due_on_text(self) -> str:
        return _day_text(self.due_on)


def _day_text(iso: str | None) -> str:
    """``2026-06-10`` written for people: ``10 Jun 2026``."""
    if not iso:
        return ""
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"


@dataclass(frozen=True)
class ReceiptRow:
    id: uuid.UUID
    kind: str
    method: str
    received_on: str
    amount: str
    invoice: str
    currency: str

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()

    @property
    def received_on_text(self) -> str:
        return _day_text(self.received_on)


@dataclass(frozen=True)
class PackageRow:
    name: str
    sessions: int
    remaining: int
    expires_on: str
    usable: bool
    revoked: bool = False

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()

    @property
    def expires_on_text(self) -> str:
        return _day_text(self.expires_on)


@dataclass(frozen=True)
class Billing:
    packages: list[PackageRow]
    invoices: list[InvoiceRow]
    receipts: list[ReceiptRow]
    owed: str
    credit: str
    in_credit: bool


def billing_of(account: PortalAccount, actor: Actor) -> Billing:
    """The client's issued documents, payments and balance (four queries), audited once."""
    locale = settings_for(account.clinic_id).locale
    currency = account.clinic.currency

    def fmt(amount: Decimal, in_currency: str) -> str:
        return money.formatted(amount, in_currency, locale)

    invoices = [
        InvoiceRow(
            id=x.pk,
            title=x.title,
            number=x.number_text,
            kind=str(x.kind),
            state=billing.state_of(x),
            state_words=billing.STATE_WORDS[billing.state_of(x)],
            issued_on=x.issued_on.isoformat() if x.issued_on else "",
            due_on=x.due_on.isoformat() if x.due_on and not x.is_credit_note else None,
            total=fmt(x.total, x.currency),
            outstanding=fmt(max(billing.outstanding(x), Decimal(0)), x.currency),
            currency=x.currency,
            # joined in the list's one query (select_related), not one query per row
            corrects=x.credits.number_text if x.credits is not None else None,
        )
        for x in _invoices(account)[:500]
    ]
    receipts = [
        ReceiptRow(
            id=p.pk,
            kind=str(p.kind),
            method=p.get_method_display(),
            received_on=p.received_on.isoformat(),
            amount=fmt(p.amount, p.currency),
            invoice=p.invoice.number_text if p.invoice else "",
            currency=p.currency,
        )
        for p in _payments(account)[:500]
    ]
    today = today_of(account.clinic)
    held = [
        PackageRow(
            name=p.name,
            sessions=p.sessions,
            remaining=p.remaining,
            expires_on=p.expires_on.isoformat(),
            usable=p.remaining > 0 and p.expires_on >= today,
            revoked=p.revoked_at is not None,
        )
        for p in packages_of(account.client_id)
        if p.clinic_id == account.clinic_id
    ]
    balance = billing.balance_of(account.client_id)
    audit.record(
        actor, AuditAction.READ, account.client, object_type="client_billing", clinic=account.clinic
    )
    return Billing(
        packages=held,
        invoices=invoices,
        receipts=receipts,
        owed=fmt(max(balance.owed, Decimal(0)), currency),
        credit=fmt(balance.credit, currency),
        in_credit=balance.credit > 0,
    )


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError) as exc:
        raise Http404("Not found") from exc


def invoice(account: PortalAccount, actor: Actor, invoice_id: object) -> Invoice:
    """One of the client's own issued documents, or 404."""
    found = _invoices(account).filter(pk=_uuid(invoice_id)).first()
    if found is None:
        raise Http404("Not found")
    audit.record(actor, AuditAction.READ, found, clinic=account.clinic)
    return found


def receipt(account: PortalAccount, actor: Actor, payment_id: object) -> Payment:
    """One of the client's own payments or refunds, or 404."""
    found = _payments(account).filter(pk=_uuid(payment_id)).first()
    if found is None:
        raise Http404("Not found")
    audit.record(actor, AuditAction.READ, found, clinic=account.clinic)
    return found
