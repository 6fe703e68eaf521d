"""Client portal API routes, mounted at /api/v1 by ``sacrum.api.api``.

Read-only, for the signed-in client's browser session (a phone app would use the same):
who I am, my visits, my consents, and my whole record summary (the JSON download).
Personal API tokens belong to staff memberships, so they are refused here; a staff
session without portal access gets 403. The diary is written from the page, which
already serves the phone; an API write can follow when an app needs one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import SessionAuth

from sacrum.access.api_auth import MemberSessionAuth, TokenAuth
from sacrum.kernel.actor import Actor
from sacrum.kernel.api import ErrorOut
from sacrum.kernel.errors import Forbidden
from sacrum.portal import billing, selectors
from sacrum.portal.models import PortalAccount


class PortalSessionAuth(SessionAuth):
    """A browser session of a user with portal access (a client has no membership)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated and selectors.has_portal_access(request.user):
            return request.user
        return None


router = Router(tags=["portal"], auth=[TokenAuth(), MemberSessionAuth(), PortalSessionAuth()])

FORBIDDEN = "The client portal is for clients signed in to their own page."


def _account(request: HttpRequest) -> tuple[PortalAccount, Actor]:
    if getattr(request, "api_via", "") == "token":
        raise Forbidden(FORBIDDEN)
    account = selectors.account_for(request)
    if account is None:
        raise Forbidden(FORBIDDEN)
    return account, selectors.portal_actor(account, request)


class PortalMeOut(Schema):
    clinic: str
    clinic_email: str
    clinic_phone: str
    first_name: str
    last_name: str
    preferred_name: str
    email: str


class VisitOut(Schema):
    id: str
    start: str
    end: str
    time_zone: str
    service: str
    practitioner: str
    location: str
    address: str
    status: str


class VisitsOut(Schema):
    upcoming: list[VisitOut]
    past: list[VisitOut]


class ConsentOut(Schema):
    title: str
    version: int
    text: str
    signed_at: str
    typed_name: str
    withdrawn_at: str | None


@router.get("/portal/me", response={200: PortalMeOut, 401: ErrorOut, 403: ErrorOut})
def me(request: HttpRequest) -> dict[str, Any]:
    """The signed-in client and their clinic."""
    account, _actor = _account(request)
    client = account.client
    return {
        "clinic": account.clinic.name,
        "clinic_email": account.clinic.email,
        "clinic_phone": account.clinic.phone,
        "first_name": client.first_name,
        "last_name": client.last_name,
        "preferred_name": client.preferred_name,
        "email": client.email,
    }


@router.get("/portal/me/appointments", response={200: VisitsOut, 401: ErrorOut, 403: ErrorOut})
def my_appointments(request: HttpRequest) -> dict[str, Any]:
    """Upcoming and past visits; times are in each location's time zone (ISO 8601 with offset)."""
    account, actor = _account(request)
    upcoming, past = selectors.appointments(account, actor)
    return {"upcoming": [v.as_dict() for v in upcoming], "past": [v.as_dict() for v in past]}


@router.get("/portal/me/consents", response={200: list[ConsentOut], 401: ErrorOut, 403: ErrorOut})
def my_consents(request: HttpRequest) -> list[dict[str, Any]]:
    """Every consent the client signed, with the exact text of the version signed."""
    account, actor = _account(request)
    return [
        {
            "title": s.text.title,
            "version": s.text.version,
            "text": s.text.body,
            "signed_at": selectors.clinic_time(account, s.signed_at).isoformat(),
            "typed_name": s.typed_name,
            "withdrawn_at": selectors.clinic_time(account, s.withdrawal.withdrawn_at).isoformat()
            if s.withdrawn
            else None,
        }
        for s in selectors.consents(account, actor)
    ]


@router.get("/portal/me/record", response={200: dict[str, Any], 401: ErrorOut, 403: ErrorOut})
def my_record(request: HttpRequest) -> dict[str, Any]:
    """The whole record summary (the same as the page's JSON download); audited as an export."""
    account, actor = _account(request)
    return selectors.record_summary(account, actor)


class InvoiceRowOut(Schema):
    id: str
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
    corrects: str | None = Field(
        None, description="A credit note: the number of the invoice it corrects (else null)."
    )


class ReceiptRowOut(Schema):
    id: str
    kind: str
    method: str
    received_on: str
    amount: str
    invoice: str
    currency: str


class PackageRowOut(Schema):
    name: str
    sessions: int
    remaining: int
    expires_on: str
    usable: bool


class MyBillingOut(Schema):
    packages: list[PackageRowOut]
    invoices: list[InvoiceRowOut]
    receipts: list[ReceiptRowOut]
    owed: str
    credit: str


@router.get("/portal/me/invoices", response={200: MyBillingOut, 401: ErrorOut, 403: ErrorOut})
def my_invoices(request: HttpRequest) -> dict[str, Any]:
    """Packages (credits left), issued invoices and credit notes, payments and refunds, the balance (amounts as the
    clinic writes them). The PDFs are at /portal/invoices/download?invoice=<id> and
    /portal/receipts/download?payment=<id>."""
    account, actor = _account(request)
    found = billing.billing_of(account, actor)
    return {
        "packages": [x.as_dict() for x in found.packages],
        "invoices": [{**x.as_dict(), "id": str(x.id)} for x in found.invoices],
        "receipts": [{**x.as_dict(), "id": str(x.id)} for x in found.receipts],
        "owed": found.owed,
        "credit": found.credit,
    }
