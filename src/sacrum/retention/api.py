"""Retention API routes, mounted at /api/v1 by ``sacrum.api.api``.

The clinic's retention rule (owners), its erasures (owners; a pseudonymous reference and
dates, never the held identity), and erasing one client (owners, with the name typed).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from sacrum.kernel.api import PageOut, actor_of, paginate
from sacrum.kernel.fields import PageNumber, PageSize
from sacrum.retention import selectors, services
from sacrum.retention.models import MAX_YEARS, Erasure, RetentionPolicy

router = Router(tags=["retention"])

PresetName = Literal["uk", "de", "us", "custom"]
ReasonName = Literal["client_request", "created_in_error", "no_longer_needed", "other"]


class RetentionPolicyIn(Schema):
    preset: PresetName = Field(description="A preset sets the three numbers; custom takes them.")
    years_after_last_contact: int = Field(default=8, ge=1, le=MAX_YEARS)
    age_of_majority: int = Field(default=18, ge=14, le=25)
    years_after_majority: int = Field(default=7, ge=0, le=MAX_YEARS)


class RetentionPolicyOut(Schema):
    preset: str
    years_after_last_contact: int
    age_of_majority: int
    years_after_majority: int
    saved: bool = Field(description="False while the clinic uses the default rule.")

    @staticmethod
    def of(p: RetentionPolicy) -> dict[str, Any]:
        return {
            "preset": p.preset,
            "years_after_last_contact": p.years_after_last_contact,
            "age_of_majority": p.age_of_majority,
            "years_after_majority": p.years_after_majority,
            "saved": not p._state.adding,
        }


class ClientErasureIn(Schema):
    reason: ReasonName
    confirmation: str = Field(
        max_length=250, description="The client's first and last name, typed to confirm."
    )


class ClientErasureOut(Schema):
    id: uuid.UUID
    reference: str = Field(description="Pseudonymous: names nobody.")
    reason: str
    erased_at: dt.datetime
    last_contact: dt.date
    retained_until: dt.date = Field(description="The held clinical record goes after this day.")
    held: dict[str, int]
    purged_at: dt.datetime | None


@router.get(
    "/retention-policy", response=RetentionPolicyOut, summary="How long clinical records are kept"
)
def get_policy(request: HttpRequest) -> dict[str, Any]:
    return RetentionPolicyOut.of(selectors.policy_for(actor_of(request)))


@router.put(
    "/retention-policy", response=RetentionPolicyOut, summary="Set how long records are kept"
)
def put_policy(request: HttpRequest, payload: RetentionPolicyIn) -> dict[str, Any]:
    policy = services.update_policy(actor=actor_of(request), data=payload.dict())
    return RetentionPolicyOut.of(policy)


@router.get(
    "/erasures", response=PageOut[ClientErasureOut], summary="Erased clients and their holds"
)
def list_erasures(
    request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    return paginate(selectors.erasures_for(actor_of(request)), page, page_size)


@router.post(
    "/clients/{client_id}/erasure",
    response=ClientErasureOut,
    summary="Erase a client (owners); again: the same erasure, nothing changes",
)
def erase_client(request: HttpRequest, client_id: uuid.UUID, payload: ClientErasureIn) -> Erasure:
    actor = actor_of(request)
    client = selectors.client_to_erase(actor, client_id)
    return services.erase_client(
        actor=actor, client=client, reason=payload.reason, confirmation=payload.confirmation
    )
