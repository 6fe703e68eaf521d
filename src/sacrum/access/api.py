"""/api/v1 endpoints: who am I, the audit log, personal API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from sacrum.access import tokens
from sacrum.access.models import ApiToken
from sacrum.access.scoping import get_scoped_or_404
from sacrum.access.selectors import audit_entries_for
from sacrum.kernel.api import PageOut, actor_of, paginate
from sacrum.kernel.errors import Forbidden
from sacrum.kernel.fields import Day, PageNumber, PageSize
from sacrum.kernel.requests import MemberRequest

router = Router(tags=["access"])


class MeOut(Schema):
    user_id: uuid.UUID
    email: str
    name: str
    clinic_id: uuid.UUID
    clinic_name: str
    membership_id: uuid.UUID
    role: str


class AuditOut(Schema):
    id: uuid.UUID = Field(alias="public_id")
    at: datetime
    actor_id: uuid.UUID | None
    action: str
    object_type: str
    object_id: str
    ip: str | None
    user_agent: str
    via: str


class TokenOut(Schema):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)


@router.get("/me", response=MeOut)
def me(request: MemberRequest) -> dict[str, Any]:
    member = request.member
    return {
        "user_id": member.user.pk,
        "email": member.user.email,
        "name": member.user.display_name,
        "clinic_id": member.clinic_id,
        "clinic_name": member.clinic.name,
        "membership_id": member.pk,
        "role": member.role,
    }


@router.get("/audit", response=PageOut[AuditOut], summary="The clinic's audit log (owners)")
def audit_log(
    request: HttpRequest,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor_id: str = "",
    since: Day | None = None,
    until: Day | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    actor = actor_of(request)
    if not actor.can("audit.view"):
        raise Forbidden("Only owners can read the audit log.")
    qs = audit_entries_for(
        actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_id=actor_id,
        since=since,
        until=until,
    )
    return paginate(qs, page, page_size)


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request: MemberRequest) -> list[ApiToken]:
    return tokens.tokens_of(request.member)


TOKENS_NEED_A_PERSON = (
    "API tokens are created by a signed-in person (the Tokens page or this endpoint with "
    "a browser session), not with another token: a token must not mint tokens that outlive it."
)


@router.post("/tokens", response={201: TokenCreated})
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    """Session only: a leaked token cannot extend itself by minting fresh ones."""
    if getattr(request, "api_via", "") == "token":
        raise Forbidden(TOKENS_NEED_A_PERSON)
    token, raw = tokens.create_token(actor=actor_of(request), name=payload.name)
    out = TokenOut.from_orm(token).dict()
    return Status(201, {**out, "token": raw})


@router.delete("/tokens/{token_id}", response={204: None})
def revoke_token(request: MemberRequest, token_id: uuid.UUID) -> Status[None]:
    member = request.member
    token = get_scoped_or_404(ApiToken.objects.filter(membership=member), pk=token_id)
    tokens.revoke_token(actor=actor_of(request), token=token)
    return Status(204, None)
