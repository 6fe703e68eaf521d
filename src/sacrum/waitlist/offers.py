"""Offers: e-mail a freed time with a one-time link, and book it for the first to accept.

The token (``sacrum.access.capabilities``) is minted by the worker when it sends the
offer and exists only in that e-mail; only its SHA-256 is stored, so the database alone
can't open an offer, and the job queue holds the offer's id. Accepting goes through scheduling's booking
service (the one door that checks overlaps), inside one transaction that first locks
the slot: two clients accepting the same slot at the same moment are serialised there,
and the database's "one accepted offer per slot" constraint and the booking service's
no-overlap constraints stand behind it. Everyone else offered that slot is then told
it is gone, and their entry keeps waiting.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.clinics.mail import sender_of
from sacrum.clinics.models import Clinic
from sacrum.kernel import capabilities
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.mail import Message, enqueue_message, message
from sacrum.scheduling.calendar import practitioner_label
from sacrum.scheduling.local_time import zone
from sacrum.scheduling.models import Appointment, Source
from sacrum.scheduling.services import booking
from sacrum.screening.gates import booking_gate
from sacrum.waitlist.models import (
    EntryStatus,
    OfferStatus,
    SlotStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistSlot,
)

log = logging.getLogger(__name__)

OFFER_VALID = dt.timedelta(hours=12)
# An offer closes this long before the slot starts, so nobody books a time already past.
LAST_CALL = dt.timedelta(hours=1)
OFFERS_PER_SLOT = 3  # open offers of one slot at a time; the next ones follow on expiry


class OfferUnavailable(Exception):
    """Why an offer can't be accepted: expired, accepted, gone, busy or blocked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


digest = capabilities.digest  # what an offer row keeps of its token
OFFER_EMAIL = "sacrum.waitlist.offers:offer"
GONE_EMAIL = "sacrum.waitlist.offers:gone"
BOOKED_EMAIL = "sacrum.waitlist.offers:booked"


def offer_url(raw: str) -> str:
    return f"{settings.SITE_URL}{reverse('web:waitlist_offer', kwargs={'token': raw})}"


def system_actor(via: str = "waitlist") -> Actor:
    return Actor(user=None, member=None, via=via)


@dataclass(frozen=True)
class SlotText:
    """What an offer shows and e-mails: service, time, place and practitioner only."""

    service: str
    when: str
    location: str
    address: str
    practitioner: str


def describe(slot: WaitlistSlot) -> SlotText:
    location = slot.location
    address = ", ".join(
        p for p in (location.address_line, location.postal_code, location.city) if p
    )
    return SlotText(
        service=slot.service.name,
        when=booking.when(slot.start, zone(location.time_zone), slot.end),
        location=location.name,
        address=address,
        practitioner=practitioner_label(slot.practitioner),
    )


def _greeting(entry: WaitlistEntry) -> str:
    client = entry.client
    return f"Hello {client.preferred_name or client.first_name},"


def _message(clinic: Clinic, subject: str, body: str, to: str) -> Message:
    return Message(
        subject=f"{clinic.name}: {subject}", body=body, to=[to], sender=sender_of(clinic)
    )


def _offer_for_email(ref: str) -> WaitlistOffer | None:
    return _with_details(WaitlistOffer.objects.filter(pk=ref)).first()


def _with_details(offers: QuerySet[WaitlistOffer]) -> QuerySet[WaitlistOffer]:
    return offers.select_related(
        "clinic",
        "entry__client",
        "slot__service",
        "slot__location",
        "slot__practitioner__user",
        "slot__practitioner__practitioner_profile",
    )


def create_offer(*, entry: WaitlistEntry, slot: WaitlistSlot, now: dt.datetime) -> WaitlistOffer:
    """Offer ``slot`` to ``entry`` and queue its e-mail (call inside a transaction)."""
    expires = min(now + OFFER_VALID, slot.start - LAST_CALL)
    offer = WaitlistOffer.objects.create(
        clinic_id=entry.clinic_id,
        entry=entry,
        slot=slot,
        token_digest=capabilities.placeholder(),
        sent_to=entry.client.email,
        sent_at=now,
        expires_at=expires,
    )
    WaitlistEntry.objects.filter(pk=entry.pk, status=EntryStatus.WAITING).update(
        status=EntryStatus.OFFERED, updated_at=now
    )
    entry.status = EntryStatus.OFFERED
    audit.record(system_actor(), AuditAction.CREATE, offer, clinic=entry.clinic)
    enqueue_message(OFFER_EMAIL, offer.pk)
    return offer


@message(OFFER_EMAIL)
def _offer_email(ref: str) -> Message | None:
    """Rendered by the worker: a fresh token for a still-open offer, or nothing."""
    offer = _offer_for_email(ref)
    if offer is None or state(offer) != "open":
        return None
    raw = capabilities.reissue(
        WaitlistOffer.objects.filter(status=OfferStatus.OFFERED, expires_at__gt=timezone.now()),
        offer.pk,
    )
    if raw is None:
        return None
    entry, slot = offer.entry, offer.slot
    text = describe(slot)
    until = timezone.localtime(offer.expires_at, zone(slot.location.time_zone))
    body = (
        f"{_greeting(entry)}\n\n"
        f"A time has come free that matches your place on {entry.clinic.name}'s waiting list:\n\n"
        f"  {text.service}\n  {text.when}\n  {text.location}"
        f"{(' (' + text.address + ')') if text.address else ''}\n  with {text.practitioner}\n\n"
        f"To take it, open this link and confirm:\n\n{offer_url(raw)}\n\n"
        f"The same time may have been offered to a few other people on the list; whoever "
        f"confirms first gets it. The link works once, until {until:%H:%M} on "
        f"{until:%a} {until.day} {until:%b}. If the time doesn't suit, do nothing: you "
        "stay on the list.\n"
    )
    return _message(offer.clinic, "a time has come free", body, offer.sent_to)


def find_offer(raw: str) -> WaitlistOffer | None:
    """The offer for a token, or None: an unknown or tampered token learns nothing."""
    return capabilities.find(_with_details(WaitlistOffer.objects.all()), raw)


def state(offer: WaitlistOffer, now: dt.datetime | None = None) -> str:
    """'open', 'accepted', 'gone' or 'expired'."""
    now = now or timezone.now()
    if offer.status != OfferStatus.OFFERED:
        return str(offer.status)
    if offer.expires_at <= now or offer.slot.status != SlotStatus.OPEN:
        return "expired" if offer.slot.status == SlotStatus.OPEN else "gone"
    return "open"


def _tell_gone(offers: list[WaitlistOffer]) -> None:
    for offer in offers:
        enqueue_message(GONE_EMAIL, offer.pk)


@message(GONE_EMAIL)
def _gone_email(ref: str) -> Message | None:
    offer = _offer_for_email(ref)
    if offer is None:
        return None
    text = describe(offer.slot)
    body = (
        f"{_greeting(offer.entry)}\n\n"
        f"The time we offered you ({text.service}, {text.when}) has been taken by someone "
        f"else. You are still on {offer.clinic.name}'s waiting list, and we will e-mail you "
        "when another time comes free.\n"
    )
    return _message(offer.clinic, "that time has been taken", body, offer.sent_to)


@message(BOOKED_EMAIL)
def _booked_email(ref: str) -> Message | None:
    offer = _offer_for_email(ref)
    if offer is None or offer.status != OfferStatus.ACCEPTED:
        return None
    text = describe(offer.slot)
    return _message(
        offer.clinic,
        "your appointment is booked",
        f"{_greeting(offer.entry)}\n\nYou are booked:\n\n  {text.service}\n  {text.when}\n"
        f"  {text.location}{(' (' + text.address + ')') if text.address else ''}\n"
        f"  with {text.practitioner}\n\nIf you can't come after all, please let "
        f"{offer.clinic.name} know as early as you can.\n",
        offer.sent_to,
    )


def _reopen_entries(entry_ids: list[Any], now: dt.datetime) -> None:
    """Entries whose offer ended go back to waiting (unless withdrawn, booked or expired)."""
    WaitlistEntry.objects.filter(pk__in=entry_ids, status=EntryStatus.OFFERED).exclude(
        offers__status=OfferStatus.OFFERED
    ).update(status=EntryStatus.WAITING, updated_at=now)


def _end_offers(
    offers: list[WaitlistOffer], status: str, now: dt.datetime, *, tell: bool
) -> list[WaitlistOffer]:
    """Mark still-open offers gone or expired; returns the ones this call ended."""
    ended = [
        o
        for o in offers
        if WaitlistOffer.objects.filter(pk=o.pk, status=OfferStatus.OFFERED).update(
            status=status, answered_at=now
        )
    ]
    _reopen_entries([o.entry_id for o in ended], now)
    for offer in ended:
        audit.record(system_actor(), AuditAction.UPDATE, offer, clinic=offer.clinic)
    if tell:
        _tell_gone(ended)
    return ended


def _open_offers_of(slot: WaitlistSlot) -> list[WaitlistOffer]:
    return list(_with_details(WaitlistOffer.objects.filter(slot=slot, status=OfferStatus.OFFERED)))


def close_slot(slot: WaitlistSlot, now: dt.datetime, *, taken_elsewhere: bool) -> bool:
    """The slot is no longer on offer; its open offers end (and are told when it was taken)."""
    with transaction.atomic():
        closed = WaitlistSlot.objects.filter(pk=slot.pk, status=SlotStatus.OPEN).update(
            status=SlotStatus.CLOSED, closed_at=now
        )
        if not closed:
            return False
        slot.status = SlotStatus.CLOSED
        status = OfferStatus.GONE if taken_elsewhere else OfferStatus.EXPIRED
        _end_offers(_open_offers_of(slot), status, now, tell=taken_elsewhere)
        return True


def _book(offer: WaitlistOffer, actor: Actor, now: dt.datetime) -> Appointment:
    """The winning transaction: lock the slot, claim the offer, book, end the other offers."""
    slot, entry = offer.slot, offer.entry
    with transaction.atomic():
        # Lock the slot first: a second accept for it waits here (PostgreSQL) or at
        # BEGIN IMMEDIATE (SQLite), and then finds it taken.
        locked = WaitlistSlot.objects.select_for_update().filter(pk=slot.pk).first()
        if locked is None or locked.status != SlotStatus.OPEN:
            raise OfferUnavailable("gone")
        claimed = WaitlistOffer.objects.filter(
            pk=offer.pk, status=OfferStatus.OFFERED, expires_at__gt=now
        ).update(status=OfferStatus.ACCEPTED, answered_at=now)
        if claimed != 1:
            offer.refresh_from_db()
            raise OfferUnavailable(state(offer, now))
        appointment = booking.book(
            actor=actor,
            booking=booking.Booking(
                client=entry.client,
                practitioner=slot.practitioner,
                service=slot.service,
                location=slot.location,
                start=slot.start,
                end=slot.end,
                room=slot.room,
                source=Source.ONLINE,
                note="Booked from the waiting list.",
            ),
        )
        WaitlistSlot.objects.filter(pk=slot.pk).update(
            status=SlotStatus.TAKEN, appointment=appointment, room=appointment.room, closed_at=now
        )
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            status=EntryStatus.BOOKED, appointment=appointment, closed_at=now, updated_at=now
        )
        audit.record(actor, AuditAction.UPDATE, offer, clinic=offer.clinic)
        slot.status = SlotStatus.CLOSED  # for the texts of the other offers
        _end_offers(_open_offers_of(slot), OfferStatus.GONE, now, tell=True)
        enqueue_message(BOOKED_EMAIL, offer.pk)
    return appointment


def accept(*, offer: WaitlistOffer, ip: str | None = None, user_agent: str = "") -> Appointment:
    """The client takes the offered time. Raises OfferUnavailable saying why not."""
    now = timezone.now()
    current = state(offer, now)
    if current != "open":
        raise OfferUnavailable(current)
    if booking_gate(offer.entry.client):
        # Screening blocks booking until a practitioner has reviewed the client.
        _end_offers([offer], OfferStatus.GONE, now, tell=False)
        raise OfferUnavailable("blocked")
    # The booking is written for the practitioner whose calendar it lands in; the
    # audit entry says it came through the client's waitlist link.
    actor = capabilities.public_actor(ip=ip, user_agent=user_agent, member=offer.slot.practitioner)
    try:
        return _book(offer, actor, now)
    except IntegrityError as exc:  # a concurrent accept committed first
        log.info("waitlist accept lost a race", extra={"offer": str(offer.pk)})
        raise OfferUnavailable("gone") from exc
    except Conflict as exc:
        if set(exc.fields) == {"client"}:
            # The client has booked something at that time meanwhile: only their offer ends.
            _end_offers([offer], OfferStatus.GONE, now, tell=False)
            raise OfferUnavailable("busy") from exc
        close_slot(offer.slot, now, taken_elsewhere=True)
        raise OfferUnavailable("gone") from exc
    except ValidationError as exc:  # hours changed, service withdrawn…: the time is off
        close_slot(offer.slot, now, taken_elsewhere=True)
        raise OfferUnavailable("gone") from exc
