"""/api/v1 statement for insurance ("superbill"): a client's statement for a period, the
client's diagnosis codes, and the billing code of each service. Amounts travel as
decimal strings in the clinic's currency."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from sacrum.billing import money, superbill
from sacrum.billing.models import ClientDiagnosis
from sacrum.billing.services import today_of
from sacrum.billing.superbill_pdf import statement_pdf
from sacrum.clients.selectors import client_for
from sacrum.kernel.api import actor_of
from sacrum.kernel.permissions import require
from sacrum.scheduling import selectors as scheduling
from sacrum.scheduling.models import ServiceType

router = Router(tags=["billing"])


class DiagnosisIn(Schema):
    code: str = Field(max_length=30, description="The clinic's own code, e.g. M54.2.")
    description: str = Field("", max_length=200)


class DiagnosisOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    code: str
    description: str
    added_at: dt.datetime


class ServiceCodeIn(Schema):
    code: str = Field(max_length=30, description="Empty removes the code.")


class ServiceCodeOut(Schema):
    service_id: uuid.UUID
    service: str
    code: str


class IdentifierOut(Schema):
    title: str
    issuing_body: str
    level: str
    number: str
    verified: bool


class PractitionerOut(Schema):
    name: str
    profession: str
    identifiers: list[IdentifierOut]


class SessionOut(Schema):
    date: dt.date
    service: str
    code: str
    invoice_number: str
    charged: str
    paid: str


class StatementOut(Schema):
    client_id: uuid.UUID
    client_name: str
    date_of_birth: dt.date
    start: dt.date
    end: dt.date
    clinic_name: str
    clinic_address: str
    tax_number: str
    currency: str
    practitioners: list[PractitionerOut]
    diagnoses: list[DiagnosisOut]
    sessions: list[SessionOut]
    total_charged: str
    total_paid: str
    credited: str
    balance: str


def _statement_out(s: superbill.Statement) -> dict[str, Any]:
    def text(amount: Any) -> str:
        return str(money.rounded(amount, s.currency))

    return {
        "client_id": s.client.pk,
        "client_name": s.client.full_name,
        "date_of_birth": s.client.date_of_birth,
        "start": s.start,
        "end": s.end,
        "clinic_name": s.clinic.name,
        "clinic_address": s.clinic_address,
        "tax_number": s.tax_number,
        "currency": s.currency,
        "practitioners": [
            {
                "name": p.name,
                "profession": p.profession,
                "identifiers": [i.__dict__ for i in p.identifiers],
            }
            for p in s.practitioners
        ],
        "diagnoses": s.diagnoses,
        "sessions": [
            {
                "date": r.day,
                "service": r.service,
                "code": r.code,
                "invoice_number": r.invoice_number,
                "charged": text(r.charged),
                "paid": text(r.paid),
            }
            for r in s.rows
        ],
        "total_charged": text(s.charged),
        "total_paid": text(s.paid),
        "credited": text(s.credited),
        "balance": text(s.balance),
    }


def _produce(
    request: HttpRequest, client_id: uuid.UUID, start: dt.date | None, end: dt.date | None
) -> superbill.Statement:
    actor = actor_of(request)
    require(actor, "billing.view")
    client = client_for(actor, client_id)
    if start is None and end is None:
        start, end = superbill.default_period(today_of(actor.member.clinic))
    return superbill.statement(actor=actor, client=client, start=start, end=end)


@router.get("/clients/{client_id}/statement", response=StatementOut)
def client_statement(
    request: HttpRequest,
    client_id: uuid.UUID,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, Any]:
    """The statement for insurance of the sessions from ``start`` to ``end`` (inclusive;
    neither given: 1 January to today). Producing it is audited. An end before the start
    is a 422 on ``end``."""
    return _statement_out(_produce(request, client_id, start, end))


@router.get("/clients/{client_id}/statement.pdf", response={200: None})
def client_statement_pdf(
    request: HttpRequest,
    client_id: uuid.UUID,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> HttpResponse:
    """The same statement as a PDF."""
    result = _produce(request, client_id, start, end)
    response = HttpResponse(statement_pdf(result), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="statement-{result.start:%Y%m%d}-{result.end:%Y%m%d}.pdf"'
    )
    return response


@router.get("/clients/{client_id}/diagnoses", response=list[DiagnosisOut])
def list_diagnoses(request: HttpRequest, client_id: uuid.UUID) -> list[ClientDiagnosis]:
    actor = actor_of(request)
    require(actor, "billing.view")
    client = client_for(actor, client_id, audited=False)
    return list(superbill.diagnoses_for(actor, client.pk))


@router.post("/clients/{client_id}/diagnoses", response={201: DiagnosisOut})
def add_diagnosis(
    request: HttpRequest, client_id: uuid.UUID, payload: DiagnosisIn
) -> Status[ClientDiagnosis]:
    """Staff with clinical access only (owner, practitioner)."""
    actor = actor_of(request)
    require(actor, "clinical.edit")
    client = client_for(actor, client_id, audited=False)
    row = superbill.add_diagnosis(
        actor=actor, client=client, code=payload.code, description=payload.description
    )
    return Status(201, row)


@router.delete("/diagnoses/{diagnosis_id}", response={204: None})
def remove_diagnosis(request: HttpRequest, diagnosis_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    require(actor, "clinical.edit")
    superbill.remove_diagnosis(actor=actor, diagnosis=superbill.diagnosis_for(actor, diagnosis_id))
    return Status(204, None)


@router.get("/billing/service-codes", response=list[ServiceCodeOut])
def list_service_codes(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(request)
    require(actor, "billing.view")
    codes = superbill.codes_by_service(actor.member.clinic_id)
    return [
        {"service_id": s.pk, "service": s.name, "code": codes.get(s.pk, "")}
        for s in ServiceType.objects.for_member(actor.member, "view").order_by("name")
    ]


@router.put("/services/{service_id}/code", response=ServiceCodeOut)
def set_service_code(
    request: HttpRequest, service_id: uuid.UUID, payload: ServiceCodeIn
) -> dict[str, Any]:
    actor = actor_of(request)
    require(actor, "billing.manage")
    service = scheduling.service_for(actor, service_id)
    row = superbill.set_service_code(actor=actor, service=service, code=payload.code)
    return {"service_id": service.pk, "service": service.name, "code": row.code if row else ""}
