"""Offers: freed time goes to the waitlist in order, the first to accept gets it, the
others are told, blocked clients are never offered or booked, links are one-time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from sacrum.scheduling.models import Appointment
from sacrum.scheduling.services import booking
from sacrum.waitlist import offers
from sacrum.waitlist.matching import scan
from sacrum.waitlist.models import (
    EntryStatus,
    OfferStatus,
    SlotStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistSlot,
)
from sacrum.waitlist.periodic import tick
from tests.waitlist.conftest import assert_no_overlaps, at, block

pytestmark = pytest.mark.django_db


def token_in(message: Any) -> str:
    line: str = next(x for x in message.body.splitlines() if "/waitlist/offer/" in x)
    return line.strip().rstrip("/").rsplit("/", 1)[1]


def offer_mails() -> list[Any]:
    return [m for m in mail.outbox if "a time has come free" in m.subject]


def gone_mails() -> list[Any]:
    return [m for m in mail.outbox if "that time has been taken" in m.subject]


def cancel(owner: Any, appointment: Appointment, capture: Any) -> None:
    with capture(execute=True):
        booking.cancel(actor=owner.actor, appointment=appointment, reason="Client ill")


def test_nothing_is_offered_while_the_time_is_taken(line: list[WaitlistEntry]) -> None:
    assert scan(timezone.now()).offered == 0
    assert offer_mails() == [] and not WaitlistOffer.objects.exists()


def test_a_cancellation_offers_the_time_in_order_and_the_first_accept_wins(
    line: list[WaitlistEntry],
    owner: Any,
    blocker: Appointment,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(offers, "OFFERS_PER_SLOT", 2)
    monkeypatch.setattr("sacrum.waitlist.matching.OFFERS_PER_SLOT", 2)
    cancel(owner, blocker, django_capture_on_commit_callbacks)

    sent = offer_mails()
    assert [m.to for m in sent] == [[line[0].client.email], [line[1].client.email]]
    assert "Craniosacral session" in sent[0].body and "10:00" in sent[0].body
    assert "Harbour Road" in sent[0].body
    slot = WaitlistSlot.objects.get()
    assert (slot.start, slot.status) == (blocker.start, SlotStatus.OPEN)
    statuses = {e.pk: e.status for e in WaitlistEntry.objects.all()}
    assert [statuses[e.pk] for e in line] == ["offered", "offered", "waiting"]

    # The second in line is quicker: they get it.
    b_offer = offers.find_offer(token_in(sent[1]))
    assert b_offer is not None
    appointment = offers.accept(offer=b_offer, ip="127.0.0.1", user_agent="pytest")
    assert appointment.client == line[1].client and appointment.start == blocker.start
    assert appointment.source == "online" and appointment.room is not None

    line[1].refresh_from_db()
    assert (line[1].status, line[1].appointment_id) == (EntryStatus.BOOKED, appointment.pk)
    line[0].refresh_from_db()
    assert line[0].status == EntryStatus.WAITING  # keeps its place
    assert WaitlistOffer.objects.get(entry=line[0]).status == OfferStatus.GONE
    assert [m.to for m in gone_mails()] == [[line[0].client.email]]
    assert "still on" in gone_mails()[0].body
    confirmations = [m for m in mail.outbox if "is booked" in m.subject]
    assert [m.to for m in confirmations] == [[line[1].client.email]]

    # The first in line is too late now: told plainly, nothing booked.
    a_offer = offers.find_offer(token_in(sent[0]))
    assert a_offer is not None
    with pytest.raises(offers.OfferUnavailable) as lost:
        offers.accept(offer=a_offer)
    assert lost.value.reason == "gone"
    assert Appointment.objects.filter(start=blocker.start, status="booked").count() == 1
    assert_no_overlaps()
    # Nobody else is offered the time that was just booked.
    assert scan(timezone.now()).offered == 0


def test_an_expired_offer_passes_the_time_to_the_next_in_line(
    line: list[WaitlistEntry], owner: Any, blocker: Appointment, monkeypatch: Any
) -> None:
    monkeypatch.setattr("sacrum.waitlist.matching.OFFERS_PER_SLOT", 1)
    booking.cancel(actor=owner.actor, appointment=blocker)
    now = timezone.now()
    assert tick(now)["offered"] == 1
    assert [m.to[0] for m in offer_mails()] == [line[0].client.email]

    later = now + offers.OFFER_VALID + dt.timedelta(minutes=1)
    summary = tick(later)
    assert summary["offers_expired"] == 1 and summary["offered"] == 1
    assert [m.to[0] for m in offer_mails()] == [line[0].client.email, line[1].client.email]
    line[0].refresh_from_db()
    assert line[0].status == EntryStatus.WAITING
    # Idempotent: ticking again in the same minute offers nothing new.
    assert tick(later)["offered"] == 0
    expired = offers.find_offer(token_in(offer_mails()[0]))
    assert expired is not None and offers.state(expired) == "expired"


def test_a_blocked_client_is_never_offered_and_never_booked(
    make_client: Any, wait: Any, owner: Any, practitioner: Any, blocker: Appointment
) -> None:
    first, second = make_client("Blocked"), make_client("Clear")
    block(first, practitioner)
    entries = [wait(first), wait(second)]
    booking.cancel(actor=owner.actor, appointment=blocker)
    result = scan(timezone.now())
    assert (result.offered, result.blocked) == (1, 1)
    assert [m.to[0] for m in offer_mails()] == [second.email]
    assert not WaitlistOffer.objects.filter(entry=entries[0]).exists()


def test_a_client_blocked_after_the_offer_cannot_book(
    make_client: Any, wait: Any, owner: Any, practitioner: Any, blocker: Appointment
) -> None:
    client = make_client("Later")
    wait(client)
    booking.cancel(actor=owner.actor, appointment=blocker)
    scan(timezone.now())
    block(client, practitioner)
    offer = offers.find_offer(token_in(offer_mails()[0]))
    assert offer is not None
    with pytest.raises(offers.OfferUnavailable) as refused:
        offers.accept(offer=offer)
    assert refused.value.reason == "blocked"
    assert not Appointment.objects.filter(client=client).exists()


def test_a_rescheduled_appointment_frees_its_old_time(
    line: list[WaitlistEntry],
    owner: Any,
    blocker: Appointment,
    monday: dt.date,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        booking.reschedule(actor=owner.actor, appointment=blocker, start=at(monday, "14:00"))
    assert [m.to[0] for m in offer_mails()] == [e.client.email for e in line]


def test_a_slot_booked_by_staff_meanwhile_is_gone_for_everyone(
    line: list[WaitlistEntry], owner: Any, blocker: Appointment, make_client: Any
) -> None:
    booking.cancel(actor=owner.actor, appointment=blocker)
    scan(timezone.now())
    walk_in = make_client("Walkin")
    booking.book(
        actor=owner.actor,
        booking=booking.Booking(
            client=walk_in,
            practitioner=blocker.practitioner,
            service=blocker.service,
            location=blocker.location,
            start=blocker.start,
        ),
    )
    # The client who clicks first learns it is gone; so does everyone else (by e-mail).
    offer = offers.find_offer(token_in(offer_mails()[0]))
    assert offer is not None
    with pytest.raises(offers.OfferUnavailable) as gone:
        offers.accept(offer=offer)
    assert gone.value.reason == "gone"
    assert len(gone_mails()) == 3
    assert WaitlistEntry.objects.filter(status="waiting").count() == 3
    assert_no_overlaps()


def test_the_tick_closes_slots_taken_elsewhere(
    line: list[WaitlistEntry], owner: Any, blocker: Appointment, make_client: Any
) -> None:
    booking.cancel(actor=owner.actor, appointment=blocker)
    tick(timezone.now())
    booking.book(
        actor=owner.actor,
        booking=booking.Booking(
            client=make_client("Phone"),
            practitioner=blocker.practitioner,
            service=blocker.service,
            location=blocker.location,
            start=blocker.start,
        ),
    )
    assert tick(timezone.now())["slots_closed"] == 1
    assert len(gone_mails()) == 3
    assert not WaitlistOffer.objects.filter(status="offered").exists()


def test_tampered_expired_and_used_links(
    line: list[WaitlistEntry], owner: Any, blocker: Appointment
) -> None:
    booking.cancel(actor=owner.actor, appointment=blocker)
    scan(timezone.now())
    raw = token_in(offer_mails()[0])
    assert offers.find_offer(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert offers.find_offer("") is None and offers.find_offer("x" * 500) is None
    offer = offers.find_offer(raw)
    assert offer is not None
    assert offer.token_digest != raw and raw not in offer.token_digest  # only the hash is kept

    offers.accept(offer=offer)
    again = offers.find_offer(raw)
    assert again is not None and offers.state(again) == "accepted"
    with pytest.raises(offers.OfferUnavailable) as used:
        offers.accept(offer=again)
    assert used.value.reason == "accepted"

    raw_b = token_in(offer_mails()[1])
    other = offers.find_offer(raw_b)
    assert other is not None and offers.state(other) == "gone"


def test_an_entry_whose_days_have_passed_expires(
    line: list[WaitlistEntry], monday: dt.date
) -> None:
    after = timezone.now() + dt.timedelta(days=30)
    assert tick(after)["entries_expired"] == 3
    assert set(WaitlistEntry.objects.values_list("status", flat=True)) == {"expired"}


def test_a_withdrawn_entry_loses_its_offer(
    line: list[WaitlistEntry], owner: Any, front_desk: Any, blocker: Appointment
) -> None:
    from sacrum.waitlist import services

    booking.cancel(actor=owner.actor, appointment=blocker)
    scan(timezone.now())
    services.withdraw_entry(actor=front_desk.actor, entry=line[0])
    offer = offers.find_offer(token_in(offer_mails()[0]))
    assert offer is not None and offers.state(offer) == "gone"
    with pytest.raises(offers.OfferUnavailable):
        offers.accept(offer=offer)
