"""/api/v1 late-cancellation and no-show fees: amounts per service, the fees charged, and
waiving one with a reason. Amounts travel as decimal strings in the clinic's currency."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from sacrum.billing import fees, money
from sacrum.billing.models import Fee, ServiceFee
from sacrum.kernel.api import PageOut, actor_of, paginate
from sacrum.kernel.fields import PageNumber, PageSize
from sacrum.kernel.permissions import require
from sacrum.scheduling import selectors as scheduling
from sacrum.scheduling.models import ServiceType

router = Router(tags=["billing"])

FeeAmount = Field(Decimal("0"), max_digits=15, decimal_places=3, allow_inf_nan=False, ge=0)


class ServiceFeesIn(Schema):
    late_cancel_fee: Decimal = FeeAmount
    no_show_fee: Decimal = FeeAmount


class ServiceFeesOut(Schema):
    service_id: uuid.UUID
    service: str
    late_cancel_fee: str
    no_show_fee: str


class FeeOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    appointment_id: uuid.UUID
    kind: str
    amount: str
    invoice_id: uuid.UUID | None
    created_at: dt.datetime
    waived: bool
    waived_at: dt.datetime | None
    waive_reason: str

    @staticmethod
    def resolve_amount(obj: Fee) -> str:
        return str(money.rounded(obj.amount, obj.clinic.currency))


class WaiveIn(Schema):
    reason: str = Field(max_length=300)


def _fees_out(row: ServiceFee | None, service: Any, currency: str) -> dict[str, Any]:
    def text(value: Decimal) -> str:
        return str(money.rounded(value, currency))

    return {
        "service_id": service.pk,
        "service": service.name,
        "late_cancel_fee": text(row.late_cancel_fee if row else Decimal(0)),
        "no_show_fee": text(row.no_show_fee if row else Decimal(0)),
    }


@router.get("/billing/service-fees", response=list[ServiceFeesOut])
def list_service_fees(request: HttpRequest) -> list[dict[str, Any]]:
    """Every service of the clinic with its fees (zero: no fee)."""
    actor = actor_of(request)
    require(actor, "billing.view")
    known = fees.fees_by_service(actor.member.clinic_id)
    currency = actor.member.clinic.currency
    services = ServiceType.objects.for_member(actor.member, "view").order_by("name")
    return [_fees_out(known.get(s.pk), s, currency) for s in services]


@router.put("/services/{service_id}/fees", response=ServiceFeesOut)
def set_service_fees(
    request: HttpRequest, service_id: uuid.UUID, payload: ServiceFeesIn
) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "billing.manage")
    service = scheduling.service_for(actor, service_id)
    row = fees.set_service_fees(
        actor=actor,
        service=service,
        late_cancel_fee=payload.late_cancel_fee,
        no_show_fee=payload.no_show_fee,
    )
    return _fees_out(row, service, actor.member.clinic.currency)


@router.get("/fees", response=PageOut[FeeOut])
def list_fees(
    request: HttpRequest,
    client_id: uuid.UUID | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "billing.view")
    return paginate(fees.fees_for(actor, client_id=client_id), page, page_size)


@router.get("/fees/{fee_id}", response=FeeOut)
def get_fee(request: HttpRequest, fee_id: uuid.UUID) -> Fee:
    actor = actor_of(request)
    require(actor, "billing.view")
    return fees.fee_for(actor, fee_id)


@router.post("/fees/{fee_id}/waive", response=FeeOut)
def waive_fee(request: HttpRequest, fee_id: uuid.UUID, payload: WaiveIn) -> Fee:
    """Waive with a reason: the line leaves the draft invoice (an issued one: 409)."""
    actor = actor_of(request)
    fee = fees.fee_for(actor, fee_id)
    return fees.waive(actor=actor, fee=fee, reason=payload.reason)


@router.post("/fees/{fee_id}/invoice", response=FeeOut)
def invoice_fee(request: HttpRequest, fee_id: uuid.UUID) -> Fee:
    """Put a fee that is not invoiced (its draft was deleted or its line removed) on the
    client's draft invoice again; a waived fee, or one on an invoice, is a 409."""
    actor = actor_of(request)
    fee = fees.fee_for(actor, fee_id)
    fees.put_on_invoice(actor=actor, fee=fee)
    return fees.fee_for(actor, fee_id)
