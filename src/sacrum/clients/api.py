"""/api/v1 endpoints for client records. Clinical fields are a separate, guarded resource."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clients import consent, selectors, services
from sacrum.clients.models import (
    Client,
    Condition,
    ConsentSignature,
    ConsentText,
    ConsentTextQuerySet,
    ReferralSource,
)
from sacrum.kernel.api import PageOut, actor_of, paginate
from sacrum.kernel.fields import Day, PageNumber, PageSize

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
    date_of_birth: Day
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
    date_of_birth: Day | None = None
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
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
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
    return selectors.clinical_client(actor_of(request), client_id)


@router.put("/clients/{client_id}/clinical", response=ClinicalOut, openapi_extra=CLINICAL)
def put_clinical(request: HttpRequest, client_id: uuid.UUID, payload: ClinicalIn) -> Client:
    actor = actor_of(request)
    client = selectors.clinical_client(actor, client_id, edit=True, audited=False)
    data = payload.dict()
    data["conditions"] = [str(c) for c in data["conditions"]]
    return services.update_client(actor=actor, client=client, data=data)


# --- Consent ---------------------------------------------------------------------


class ConsentTextOut(Schema):
    id: uuid.UUID
    version: int
    title: str
    body: str
    requires_new_signature: bool
    created_at: datetime


class ConsentTextIn(Schema):
    title: str = Field(max_length=200)
    body: str = Field(max_length=20000)
    requires_new_signature: bool = True


class WithdrawalOut(Schema):
    withdrawn_at: datetime
    reason: str


class SignatureOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    consent_text_id: uuid.UUID = Field(alias="text_id")
    version: int = Field(alias="text.version")
    typed_name: str
    agreed: bool
    has_drawn_signature: bool
    signed_at: datetime
    ip: str | None
    user_agent: str
    via: str
    withdrawal: WithdrawalOut | None = None

    @staticmethod
    def resolve_has_drawn_signature(obj: ConsentSignature) -> bool:
        return bool(obj.drawn_signature)

    @staticmethod
    def resolve_withdrawal(obj: ConsentSignature) -> object:
        return getattr(obj, "withdrawal", None)


class SignatureIn(Schema):
    consent_text_id: uuid.UUID
    typed_name: str = Field(max_length=200)
    agreed: bool
    drawn_signature: str = Field(default="", max_length=20000)


class ConsentStateOut(Schema):
    client_id: uuid.UUID
    state: str
    current_signature: SignatureOut | None


class WithdrawIn(Schema):
    reason: str = Field(default="", max_length=2000)


def _texts(request: HttpRequest) -> ConsentTextQuerySet:
    return ConsentText.objects.for_member(actor_of(request).member, "view")


def _signature(request: HttpRequest, signature_id: uuid.UUID) -> ConsentSignature:
    qs = ConsentSignature.objects.for_member(actor_of(request).member, "view").select_related(
        "text", "withdrawal"
    )
    return get_scoped_or_404(qs, pk=signature_id)


@router.get("/consent-texts", response=PageOut[ConsentTextOut], tags=["consent"])
def list_consent_texts(
    request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    """Every version of the clinic's consent text, newest first."""
    return paginate(_texts(request), page, page_size)


@router.post("/consent-texts", response={201: ConsentTextOut}, tags=["consent"])
def publish_consent_text(request: HttpRequest, payload: ConsentTextIn) -> Status[ConsentText]:
    """Publish a new version (owner). Earlier signatures keep pointing at their version."""
    text = consent.publish_text(actor=actor_of(request), **payload.dict())
    return Status(201, text)


@router.get("/consent-texts/{consent_text_id}", response=ConsentTextOut, tags=["consent"])
def get_consent_text(request: HttpRequest, consent_text_id: uuid.UUID) -> ConsentText:
    return get_scoped_or_404(_texts(request), pk=consent_text_id)


@router.get("/clients/{client_id}/consent", response=ConsentStateOut, tags=["consent"])
def get_consent_state(request: HttpRequest, client_id: uuid.UUID) -> dict[str, Any]:
    """Whether the client's consent is current, outdated, withdrawn or missing."""
    client = selectors.client_for(actor_of(request), client_id)
    return {
        "client_id": client.pk,
        "state": consent.consent_state(client),
        "current_signature": consent.current_signature(client),
    }


@router.get(
    "/clients/{client_id}/consent-signatures",
    response=PageOut[SignatureOut],
    tags=["consent"],
)
def list_signatures(
    request: HttpRequest, client_id: uuid.UUID, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    actor = actor_of(request)
    client = selectors.client_for(actor, client_id, audited=False)
    audit.record(actor, AuditAction.LIST, client, object_type="consentsignature")
    qs = ConsentSignature.objects.filter(client=client).select_related("text", "withdrawal")
    return paginate(qs, page, page_size)


@router.post(
    "/clients/{client_id}/consent-signatures",
    response={201: SignatureOut},
    tags=["consent"],
)
def sign_consent(
    request: HttpRequest, client_id: uuid.UUID, payload: SignatureIn
) -> Status[ConsentSignature]:
    """The client signs in person, on a device the clinic hands them."""
    actor = actor_of(request)
    client = selectors.client_for(actor, client_id, audited=False)
    text = get_scoped_or_404(_texts(request), pk=payload.consent_text_id)
    signature = consent.sign_in_person(
        actor=actor,
        client=client,
        text=text,
        typed_name=payload.typed_name,
        agreed=payload.agreed,
        drawn_signature=payload.drawn_signature,
        via="api",
    )
    return Status(201, signature)


@router.get("/consent-signatures/{signature_id}", response=SignatureOut, tags=["consent"])
def get_signature(request: HttpRequest, signature_id: uuid.UUID) -> ConsentSignature:
    signature = _signature(request, signature_id)
    audit.record(actor_of(request), AuditAction.READ, signature)
    return signature


@router.post("/consent-signatures/{signature_id}/withdraw", response=SignatureOut, tags=["consent"])
def withdraw_consent(
    request: HttpRequest, signature_id: uuid.UUID, payload: WithdrawIn
) -> ConsentSignature:
    """Record that the client withdrew this consent."""
    signature = _signature(request, signature_id)
    consent.withdraw(actor=actor_of(request), signature=signature, reason=payload.reason)
    return _signature(request, signature_id)
