"""/api/v1 session packages: the clinic's package types, and a client's packages (sell one,
see the credits left). Prices travel as decimal strings in the clinic's currency."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from sacrum.billing import money, packages
from sacrum.billing.models import ClientPackage, PackageType
from sacrum.billing.services import today_of
from sacrum.clients.selectors import client_for
from sacrum.kernel.api import actor_of
from sacrum.kernel.permissions import require
from sacrum.scheduling import selectors as scheduling

router = Router(tags=["billing"])


class PackageTypeIn(Schema):
    name: str = Field(max_length=100)
    sessions: int = Field(ge=1, le=200)
    price: Decimal = Field(max_digits=15, decimal_places=3, allow_inf_nan=False, ge=0)
    valid_days: int = Field(ge=1, le=3660, description="Days from the sale the credits last.")
    service_ids: list[uuid.UUID] = Field(min_length=1, max_length=200)
    active: bool = True


class PackageTypePatch(Schema):
    name: str | None = Field(None, max_length=100)
    sessions: int | None = Field(None, ge=1, le=200)
    price: Decimal | None = Field(None, max_digits=15, decimal_places=3, allow_inf_nan=False, ge=0)
    valid_days: int | None = Field(None, ge=1, le=3660)
    service_ids: list[uuid.UUID] | None = Field(None, min_length=1, max_length=200)
    active: bool | None = None


class PackageTypeOut(Schema):
    id: uuid.UUID
    name: str
    sessions: int
    price: str
    valid_days: int
    service_ids: list[uuid.UUID]
    active: bool

    @staticmethod
    def resolve_price(obj: PackageType) -> str:
        return str(money.rounded(obj.price, obj.clinic.currency))

    @staticmethod
    def resolve_service_ids(obj: PackageType) -> list[uuid.UUID]:
        return [s.pk for s in obj.services.all()]


class SellIn(Schema):
    package_type_id: uuid.UUID


class ClientPackageOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    package_type_id: uuid.UUID
    name: str
    sessions: int
    used: int
    remaining: int
    usable: bool
    price: str
    sold_on: dt.date
    expires_on: dt.date
    invoice_id: uuid.UUID | None


class ClientPackagesOut(Schema):
    client_id: uuid.UUID
    remaining_credits: int
    packages: list[ClientPackageOut]


def _package_out(row: ClientPackage, today: dt.date, currency: str) -> dict[str, Any]:
    return {
        "id": row.pk,
        "client_id": row.client_id,
        "package_type_id": row.package_type_id,
        "name": row.name,
        "sessions": row.sessions,
        "used": row.used,
        "remaining": row.remaining,
        "usable": row.remaining > 0 and row.expires_on >= today,
        "price": str(money.rounded(row.price, currency)),
        "sold_on": row.sold_on,
        "expires_on": row.expires_on,
        "invoice_id": row.invoice_id,
    }


@router.get("/package-types", response=list[PackageTypeOut])
def list_package_types(request: HttpRequest, active: bool = False) -> list[PackageType]:
    actor = actor_of(request)
    require(actor, "billing.view")
    return list(packages.package_types_for(actor, active_only=active).select_related("clinic"))


@router.post("/package-types", response={201: PackageTypeOut})
def create_package_type(request: HttpRequest, payload: PackageTypeIn) -> Status[PackageType]:
    actor = actor_of(request)
    data = payload.model_dump(exclude={"service_ids"})
    created = packages.create_package_type(actor=actor, data=data, service_ids=payload.service_ids)
    return Status(201, packages.package_type_for(actor, created.pk))


@router.get("/package-types/{package_type_id}", response=PackageTypeOut)
def get_package_type(request: HttpRequest, package_type_id: uuid.UUID) -> PackageType:
    actor = actor_of(request)
    require(actor, "billing.view")
    return packages.package_type_for(actor, package_type_id)


@router.patch("/package-types/{package_type_id}", response=PackageTypeOut)
def update_package_type(
    request: HttpRequest, package_type_id: uuid.UUID, payload: PackageTypePatch
) -> PackageType:
    actor = actor_of(request)
    found = packages.package_type_for(actor, package_type_id)
    data = payload.model_dump(exclude_unset=True, exclude={"service_ids"})
    packages.update_package_type(
        actor=actor, package_type=found, data=data, service_ids=payload.service_ids
    )
    return packages.package_type_for(actor, package_type_id)


@router.get("/clients/{client_id}/packages", response=ClientPackagesOut)
def client_packages(request: HttpRequest, client_id: uuid.UUID) -> dict[str, Any]:
    """The client's packages, with the credits left (unexpired ones only count)."""
    actor = actor_of(request)
    require(actor, "billing.view")
    client = client_for(actor, client_id)
    today = today_of(actor.member.clinic)
    currency = actor.member.clinic.currency
    rows = [
        _package_out(x, today, currency)
        for x in packages.packages_for(actor, client.pk).order_by("expires_on", "created_at")
    ]
    return {
        "client_id": client.pk,
        "remaining_credits": sum(x["remaining"] for x in rows if x["usable"]),
        "packages": rows,
    }


@router.post("/clients/{client_id}/packages", response={201: ClientPackageOut})
def sell_package(
    request: HttpRequest, client_id: uuid.UUID, payload: SellIn
) -> Status[dict[str, Any]]:
    """Sell a package: its credits start today; a draft invoice gets the package-sale line."""
    actor = actor_of(request)
    require(actor, "billing.edit")
    client = client_for(actor, client_id, audited=False)
    package_type = scheduling.pick(
        packages.package_types_for(actor), payload.package_type_id, "package_type_id", "package"
    )
    sold = packages.sell(actor=actor, client=client, package_type=package_type)
    today = today_of(actor.member.clinic)
    return Status(201, _package_out(sold, today, actor.member.clinic.currency))
