"""/api/v1 endpoints for client records. Clinical fields are a separate, guarded resource."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from sacrum.api.core import PageOut, actor_of, paginate
from sacrum.clients import selectors, services
from sacrum.clients.models import Client, Condition, ReferralSource

router = Router(tags=["clients"])

CLINICAL = {"x-sacrum-clinical": True}


class ClientOut(Schema):
    id: uuid.UUID
    first_name: str
    last_name: str
    preferred_name: str
    pronouns: str
    date_of_birth: date
    email: str
    phone: str
    address: str
    emergency_contact_name: str
    emergency_contact_relationship: str
    emergency_contact_phone: str
    physician_name: str
    physician_practice: str
    physician_phone: str
    physician_email: str
    preferred_language: str
    referral_source: str
    archived: bool
    created_at: datetime
    updated_at: datetime


class ClientIn(Schema):
    first_name: str
    last_name: str
    preferred_name: str = ""
    pronouns: str = ""
    date_of_birth: date
    email: str = ""
    phone: str = ""
    address: str = ""
    emergency_contact_name: str = ""
    emergency_contact_relationship: str = ""
    emergency_contact_phone: str = ""
    physician_name: str = ""
    physician_practice: str = ""
    physician_phone: str = ""
    physician_email: str = ""
    preferred_language: str = ""
    referral_source: ReferralSource | None = None


class ClientPatch(Schema):
    first_name: str | None = None
    last_name: str | None = None
    preferred_name: str | None = None
    pronouns: str | None = None
    date_of_birth: date | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    emergency_contact_name: str | None = None
    emergency_contact_relationship: str | None = None
    emergency_contact_phone: str | None = None
    physician_name: str | None = None
    physician_practice: str | None = None
    physician_phone: str | None = None
    physician_email: str | None = None
    preferred_language: str | None = None
    referral_source: ReferralSource | None = None
    archived: bool | None = None


class ClinicalOut(Schema):
    id: uuid.UUID
    presenting_concerns: str
    conditions: list[str]
    goals: str


class ClinicalIn(Schema):
    presenting_concerns: str = Field(default="", max_length=4000)
    conditions: list[Condition] = Field(default_factory=list)
    goals: str = Field(default="", max_length=4000)


@router.get("/clients", response=PageOut[ClientOut], summary="List and search clients")
def list_clients(
    request: HttpRequest,
    q: str = "",
    archived: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> dict:
    qs = selectors.clients_for(actor_of(request), search=q, include_archived=archived)
    return paginate(qs, page, page_size)


@router.post("/clients", response={201: ClientOut})
def create_client(request: HttpRequest, payload: ClientIn) -> Status[Client]:
    data = payload.dict()
    data["referral_source"] = data["referral_source"] or ""
    return Status(201, services.create_client(actor=actor_of(request), data=data))


@router.get("/clients/{client_id}", response=ClientOut)
def get_client(request: HttpRequest, client_id: uuid.UUID) -> Client:
    return selectors.client_for(actor_of(request), client_id)


@router.patch("/clients/{client_id}", response=ClientOut)
def patch_client(request: HttpRequest, client_id: uuid.UUID, payload: ClientPatch) -> Client:
    actor = actor_of(request)
    client = selectors.client_for(actor, client_id, audited=False)
    data = payload.dict(exclude_unset=True)
    if "referral_source" in data:
        data["referral_source"] = data["referral_source"] or ""
    return services.update_client(actor=actor, client=client, data=data)


@router.get("/clients/{client_id}/clinical", response=ClinicalOut, openapi_extra=CLINICAL)
def get_clinical(request: HttpRequest, client_id: uuid.UUID) -> Client:
    actor = actor_of(request)
    if not actor.can("clinical.view"):
        raise PermissionError("Clinical information is for practitioners and owners only.")
    return selectors.client_for(actor, client_id)


@router.put("/clients/{client_id}/clinical", response=ClinicalOut, openapi_extra=CLINICAL)
def put_clinical(request: HttpRequest, client_id: uuid.UUID, payload: ClinicalIn) -> Client:
    actor = actor_of(request)
    if not actor.can("clinical.edit"):
        raise PermissionError("Clinical information is for practitioners and owners only.")
    client = selectors.client_for(actor, client_id, audited=False)
    data = payload.dict()
    data["conditions"] = [str(c) for c in data["conditions"]]
    return services.update_client(actor=actor, client=client, data=data)
