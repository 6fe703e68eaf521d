"""/api/v1 waitlist: list, add and withdraw entries; list the offers made.

Same rules as the pages: bad input (an unknown service, a window that ends before it
starts) is 422 by field and writes nothing; another clinic's entry is 404. Offers are
listed without their tokens (only a hash is stored; the link went to the client).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from sacrum.kernel.api import PageOut, actor_of, paginate
from sacrum.kernel.fields import Day, LocalTime, PageNumber, PageSize
from sacrum.scheduling import selectors as scheduling
from sacrum.waitlist import selectors, services
from sacrum.waitlist.models import WaitlistEntry, WaitlistOffer

router = Router(tags=["waitlist"])


class EntryIn(Schema):
    client_id: uuid.UUID
    service_id: uuid.UUID
    location_id: uuid.UUID
    practitioner_id: uuid.UUID | None = None
    earliest_date: Day
    latest_date: Day
    weekdays: list[int] = Field(default=[0, 1, 2, 3, 4, 5, 6], description="0 is Monday, 6 Sunday.")
    earliest_time: LocalTime | None = Field(None, description="Local time at the location.")
    latest_time: LocalTime | None = Field(None, description="Local time at the location.")
    note: str = Field("", max_length=300)


class EntryOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    client_name: str
    service_id: uuid.UUID
    service_name: str
    location_id: uuid.UUID
    practitioner_id: uuid.UUID | None
    earliest_date: dt.date
    latest_date: dt.date
    weekdays: list[int]
    earliest_time: LocalTime | None
    latest_time: LocalTime | None
    note: str
    status: str
    created_at: dt.datetime
    appointment_id: uuid.UUID | None

    @staticmethod
    def resolve_client_name(obj: WaitlistEntry) -> str:
        return obj.client.full_name

    @staticmethod
    def resolve_service_name(obj: WaitlistEntry) -> str:
        return obj.service.name

    @staticmethod
    def resolve_weekdays(obj: WaitlistEntry) -> list[int]:
        return obj.weekday_numbers


class OfferOut(Schema):
    id: uuid.UUID
    entry_id: uuid.UUID
    status: str
    start: dt.datetime
    end: dt.datetime
    practitioner_id: uuid.UUID
    room_id: uuid.UUID | None
    sent_at: dt.datetime
    expires_at: dt.datetime
    answered_at: dt.datetime | None

    @staticmethod
    def resolve_start(obj: WaitlistOffer) -> dt.datetime:
        return obj.slot.start

    @staticmethod
    def resolve_end(obj: WaitlistOffer) -> dt.datetime:
        return obj.slot.end

    @staticmethod
    def resolve_practitioner_id(obj: WaitlistOffer) -> uuid.UUID:
        return obj.slot.practitioner_id

    @staticmethod
    def resolve_room_id(obj: WaitlistOffer) -> uuid.UUID | None:
        return obj.slot.room_id


@router.get("/waitlist", response=PageOut[EntryOut])
def list_entries(
    request: HttpRequest,
    status: str | None = None,
    client_id: uuid.UUID | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    qs = selectors.entries_for(actor_of(request), status=status, client_id=client_id)
    return paginate(qs, page, page_size)


@router.post("/waitlist", response={201: EntryOut})
def add_entry(request: HttpRequest, payload: EntryIn) -> Status[WaitlistEntry]:
    actor = actor_of(request)
    wish = services.Wish(
        client=scheduling.pick_client(actor, payload.client_id),
        service=scheduling.pick_service(actor, payload.service_id),
        location=scheduling.pick_location(actor, payload.location_id),
        practitioner=scheduling.pick_practitioner(actor, payload.practitioner_id),
        earliest_date=payload.earliest_date,
        latest_date=payload.latest_date,
        weekdays=tuple(payload.weekdays),
        earliest_time=payload.earliest_time,
        latest_time=payload.latest_time,
        note=payload.note,
    )
    entry = services.add_entry(actor=actor, wish=wish)
    return Status(201, selectors.entries_for(actor).get(pk=entry.pk))


@router.get("/waitlist/{waitlist_entry_id}", response=EntryOut)
def get_entry(request: HttpRequest, waitlist_entry_id: uuid.UUID) -> WaitlistEntry:
    return selectors.entry_for(actor_of(request), waitlist_entry_id)


@router.post("/waitlist/{waitlist_entry_id}/withdraw", response=EntryOut)
def withdraw_entry(request: HttpRequest, waitlist_entry_id: uuid.UUID) -> WaitlistEntry:
    actor = actor_of(request)
    entry = selectors.entry_for(actor, waitlist_entry_id)
    services.withdraw_entry(actor=actor, entry=entry)
    return selectors.entries_for(actor).get(pk=entry.pk)


@router.get("/waitlist/{waitlist_entry_id}/offers", response=list[OfferOut])
def entry_offers(request: HttpRequest, waitlist_entry_id: uuid.UUID) -> list[WaitlistOffer]:
    actor = actor_of(request)
    entry = selectors.entry_for(actor, waitlist_entry_id)
    return list(selectors.offers_for(actor, entry_id=entry.pk))


@router.get("/waitlist-offers", response=PageOut[OfferOut])
def list_offers(
    request: HttpRequest, status: str | None = None, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    return paginate(selectors.offers_for(actor_of(request), status=status), page, page_size)
