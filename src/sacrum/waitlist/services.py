"""Waitlist writes: add a client, withdraw, and the periodic housekeeping of offers.

Staff writes check ``schedule.edit`` (front desk and practitioners may both keep the
list) and are audited. Adding an entry looks for free time at once (after the commit),
so a client whose wish is already free gets the offer straight away.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Membership
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.permissions import require
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, ServiceType
from sacrum.scheduling.models.appointments import ACTIVE_VALUES
from sacrum.scheduling.services.booking import CLINICAL_ROLES
from sacrum.waitlist.matching import scan
from sacrum.waitlist.models import (
    OPEN_ENTRY,
    EntryStatus,
    OfferStatus,
    SlotStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistSlot,
    weekday_mask,
)
from sacrum.waitlist.offers import LAST_CALL, _end_offers, close_slot, system_actor

log = logging.getLogger(__name__)

MAX_WINDOW_DAYS = 366


@dataclass
class Wish:
    """What a client asks for; dates and times are local to the location."""

    client: Client
    service: ServiceType
    location: Location
    earliest_date: dt.date
    latest_date: dt.date
    practitioner: Membership | None = None
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    earliest_time: dt.time | None = None
    latest_time: dt.time | None = None
    note: str = ""


def _validate(actor: Actor, wish: Wish) -> None:
    clinic_id = actor.member.clinic_id if actor.member else None
    errors: dict[str, str] = {}
    if wish.client.clinic_id != clinic_id or wish.client.archived:
        errors["client_id"] = "Choose an active client of this clinic."
    if wish.service.clinic_id != clinic_id or not wish.service.active:
        errors["service_id"] = "Choose an active service of this clinic."
    if wish.location.clinic_id != clinic_id or not wish.location.active:
        errors["location_id"] = "Choose an open location of this clinic."
    who = wish.practitioner
    if who is not None:
        if who.clinic_id != clinic_id or not who.active or who.role not in CLINICAL_ROLES:
            errors["practitioner_id"] = "Choose an active practitioner of this clinic."
        elif (
            "service_id" not in errors and not wish.service.practitioners.filter(pk=who.pk).exists()
        ):
            errors["practitioner_id"] = "This practitioner does not offer that service."
    if wish.latest_date < wish.earliest_date:
        errors["latest_date"] = "The last day is before the first day."
    elif "location_id" not in errors:
        today = local(timezone.now(), zone(wish.location.time_zone)).date()
        if wish.latest_date < today:
            errors["latest_date"] = "The last day has already passed."
        elif (wish.latest_date - max(wish.earliest_date, today)).days >= MAX_WINDOW_DAYS:
            errors["latest_date"] = f"Keep the window under {MAX_WINDOW_DAYS} days."
    if not wish.weekdays or any(d not in range(7) for d in wish.weekdays):
        errors["weekdays"] = "Choose at least one day of the week (0 is Monday, 6 Sunday)."
    if (
        wish.earliest_time is not None
        and wish.latest_time is not None
        and wish.latest_time <= wish.earliest_time
    ):
        errors["latest_time"] = "The latest time must be after the earliest time."
    if len(wish.note.strip()) > 300:
        errors["note"] = "Keep the note under 300 characters."
    if errors:
        raise ValidationError(errors)


def add_entry(*, actor: StaffActor, wish: Wish) -> WaitlistEntry:
    """Put a client on the waitlist; free time that already matches is offered after commit."""
    require(actor, "schedule.edit")
    _validate(actor, wish)
    entry = WaitlistEntry(
        clinic_id=actor.member.clinic_id,
        client=wish.client,
        service=wish.service,
        location=wish.location,
        practitioner=wish.practitioner,
        earliest_date=wish.earliest_date,
        latest_date=wish.latest_date,
        weekdays=weekday_mask(list(wish.weekdays)),
        earliest_time=wish.earliest_time,
        latest_time=wish.latest_time,
        note=wish.note.strip(),
        created_by=actor.user,
    )
    entry.full_clean(exclude=["clinic", "client", "service", "location", "practitioner"])
    try:
        with transaction.atomic():
            entry.save()
            audit.record(actor, AuditAction.CREATE, entry)
    except IntegrityError as exc:
        raise ValidationError(
            {"service_id": "This client is already waiting for this service at this location."}
        ) from exc
    transaction.on_commit(lambda: offer_soon(entry_ids=[entry.pk], location_id=entry.location_id))
    return entry


def offer_soon(**scope: Any) -> None:
    """Run a scan after a commit; a failure is logged, never raised into the caller's page."""
    try:
        scan(timezone.now(), **scope)
    except Exception:  # the tick will retry within a minute
        log.exception("waitlist scan failed")


def withdraw_entry(*, actor: Actor, entry: WaitlistEntry) -> WaitlistEntry:
    """Take a client off the list; an open offer ends without telling anyone else."""
    require(actor, "schedule.edit")
    if entry.status not in OPEN_ENTRY:
        raise ValidationError(
            {"status": f"This entry is already {entry.get_status_display().lower()}."}
        )
    now = timezone.now()
    with transaction.atomic():
        changed = WaitlistEntry.objects.filter(pk=entry.pk, status__in=OPEN_ENTRY).update(
            status=EntryStatus.WITHDRAWN, closed_at=now, updated_at=now
        )
        if not changed:
            raise ValidationError({"status": "This entry has just changed; reload the page."})
        WaitlistOffer.objects.filter(entry=entry, status=OfferStatus.OFFERED).update(
            status=OfferStatus.GONE, answered_at=now
        )
        audit.record(actor, AuditAction.UPDATE, entry)
    entry.refresh_from_db()
    return entry


@dataclass
class Housekeeping:
    offers_expired: int = 0
    slots_closed: int = 0
    entries_expired: int = 0


def housekeeping(now: dt.datetime) -> Housekeeping:
    """Expire offers and entries whose time has passed; close slots that are taken or due."""
    done = Housekeeping()
    # Offers past their time: their entries wait again.
    due = list(
        WaitlistOffer.objects.filter(status=OfferStatus.OFFERED, expires_at__lte=now)
        .select_related("clinic")
        .order_by()
    )
    done.offers_expired = len(_end_offers(due, OfferStatus.EXPIRED, now, tell=False))

    # Slots about to start, or taken meanwhile by a booking that did not come from the list.
    open_slots = list(WaitlistSlot.objects.filter(status=SlotStatus.OPEN).select_related("service"))
    for slot in open_slots:
        if slot.start - LAST_CALL <= now:
            done.slots_closed += close_slot(slot, now, taken_elsewhere=False)
    still_open = [s for s in open_slots if s.start - LAST_CALL > now]
    if still_open:
        taken = _taken(still_open)
        for slot in still_open:
            if slot.pk in taken:
                done.slots_closed += close_slot(slot, now, taken_elsewhere=True)

    # Entries whose last day has passed at their location.
    locations = (
        WaitlistEntry.objects.filter(status__in=OPEN_ENTRY, latest_date__lte=now.date())
        .values_list("location_id", "location__time_zone")
        .distinct()
    )
    for location_id, tz_name in locations:
        today = local(now, zone(tz_name)).date()
        stale = list(
            WaitlistEntry.objects.filter(
                location_id=location_id, status__in=OPEN_ENTRY, latest_date__lt=today
            )
        )
        for entry in stale:
            with transaction.atomic():
                WaitlistOffer.objects.filter(entry=entry, status=OfferStatus.OFFERED).update(
                    status=OfferStatus.EXPIRED, answered_at=now
                )
                updated = WaitlistEntry.objects.filter(pk=entry.pk, status__in=OPEN_ENTRY).update(
                    status=EntryStatus.EXPIRED, closed_at=now, updated_at=now
                )
                if updated:
                    audit.record(system_actor(), AuditAction.UPDATE, entry, clinic=entry.clinic)
                    done.entries_expired += 1
    return done


def _taken(slots: list[WaitlistSlot]) -> set[Any]:
    """Which open slots now overlap an active appointment of their practitioner (one query)."""
    from django.db.models import Q

    spans = {
        s.pk: (
            s.practitioner_id,
            s.start - dt.timedelta(minutes=s.service.buffer_before_minutes),
            s.end + dt.timedelta(minutes=s.service.buffer_after_minutes),
        )
        for s in slots
    }
    match = Q()
    for who, start, end in spans.values():
        match |= Q(practitioner_id=who, blocked_start__lt=end, blocked_end__gt=start)
    rows = Appointment.objects.filter(match, status__in=ACTIVE_VALUES).values_list(
        "practitioner_id", "blocked_start", "blocked_end"
    )
    taken: set[Any] = set()
    for who, start, end in rows:
        for pk, (p, s, e) in spans.items():
            if p == who and start < e and s < end:
                taken.add(pk)
    return taken
