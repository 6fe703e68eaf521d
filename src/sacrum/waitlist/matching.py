"""Matching: find free time for waiting entries and offer it, in the order they joined.

Entries are grouped by (service, location); each group asks scheduling's availability
engine once for the whole window (a bounded number of queries whatever the range) and
then, entry by entry in priority order, takes the earliest free start that fits the
entry's dates, weekdays, times and practitioner, that does not clash with the client's
own appointments, and that the entry was not offered before. A start already on offer
is shared with the next entries (up to ``OFFERS_PER_SLOT`` open offers at once);
a start overlapping another open slot of the same practitioner is skipped, so two
waitlisted clients are never sent clashing times. A client screening blocks from
booking (``booking_gate``) is never offered anything.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from sacrum.clinics.models import Location
from sacrum.scheduling.local_time import day_start, epoch, from_epoch, local, zone
from sacrum.scheduling.models import Appointment, SchedulingPolicy, ServiceType
from sacrum.scheduling.slots import MAX_RANGE_DAYS, free_starts
from sacrum.screening.gates import booking_gate
from sacrum.waitlist.models import (
    EntryStatus,
    OfferStatus,
    SlotStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistSlot,
)
from sacrum.waitlist.offers import LAST_CALL, OFFERS_PER_SLOT, create_offer

log = logging.getLogger(__name__)

Span = tuple[int, int]


@dataclass
class ScanResult:
    offered: int = 0
    blocked: int = 0
    no_email: int = 0
    offers: list[WaitlistOffer] = field(default_factory=list)

    def add(self, other: ScanResult) -> None:
        self.offered += other.offered
        self.blocked += other.blocked
        self.no_email += other.no_email
        self.offers.extend(other.offers)


@dataclass
class OpenSlot:
    slot: WaitlistSlot | None
    practitioner_id: uuid.UUID
    service_id: uuid.UUID
    start: int
    blocked: Span
    open_offers: int


def _overlaps(spans: list[Span], span: Span) -> bool:
    return any(a < span[1] and span[0] < b for a, b in spans)


class _Group:
    """One (service, location) group of waiting entries and what the engine says is free."""

    def __init__(
        self,
        service: ServiceType,
        location: Location,
        entries: list[WaitlistEntry],
        now: dt.datetime,
        day: dt.date | None,
    ) -> None:
        self.service, self.location, self.now = service, location, now
        self.tz = zone(location.time_zone)
        today = local(now, self.tz).date()
        self.entries = [e for e in entries if e.latest_date >= today]
        self.first = max([min((e.earliest_date for e in self.entries), default=today), today])
        self.last = min(
            max((e.latest_date for e in self.entries), default=today),
            self.first + dt.timedelta(days=MAX_RANGE_DAYS - 1),
        )
        if day is not None:
            self.first, self.last = max(self.first, day), min(self.last, day)
        self.duration = service.duration_minutes * 60
        self.before = service.buffer_before_minutes * 60
        self.after = service.buffer_after_minutes * 60

    def blocked(self, start: int) -> Span:
        return (start - self.before, start + self.duration + self.after)

    def run(self, result: ScanResult) -> None:
        if not self.entries or self.last < self.first:
            return
        policy = SchedulingPolicy.for_clinic(self.location.clinic_id)
        notice = max(dt.timedelta(minutes=policy.minimum_notice_minutes), LAST_CALL * 2)
        free = free_starts(
            service=self.service,
            location=self.location,
            first_day=self.first,
            last_day=self.last,
            not_before=self.now + notice,
        ).grid(policy.slot_step_minutes)
        starts = free.by_practitioner
        lo = int(day_start(self.first, self.tz).timestamp()) - self.before
        hi = int(day_start(self.last + dt.timedelta(days=1), self.tz).timestamp()) + 7200
        open_slots = self._open_slots(lo, hi, list(starts))
        client_busy = self._client_busy(lo, hi)
        offered_before = self._offered_before()
        blocked_clients: dict[uuid.UUID, bool] = {}
        for entry in self.entries:
            candidate = self._first_fit(entry, starts, open_slots, client_busy, offered_before)
            if candidate is None:
                continue
            client = entry.client
            if client.pk not in blocked_clients:
                blocked_clients[client.pk] = bool(booking_gate(client))
            if blocked_clients[client.pk]:
                result.blocked += 1
                continue
            if not client.email:
                result.no_email += 1
                continue
            offer = self._offer(entry, candidate, open_slots)
            if offer is not None:
                result.offered += 1
                result.offers.append(offer)

    def _open_slots(
        self, lo: int, hi: int, practitioner_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[OpenSlot]]:
        """The practitioners' open slots (any service or place) in the window, with counts."""
        by_practitioner: dict[uuid.UUID, list[OpenSlot]] = defaultdict(list)
        rows = (
            WaitlistSlot.objects.filter(
                status=SlotStatus.OPEN, start__lt=from_epoch(hi), end__gt=from_epoch(lo)
            )
            .filter(practitioner_id__in=practitioner_ids)
            .select_related("service")
            .annotate(n=Count("offers", filter=Q(offers__status=OfferStatus.OFFERED)))
        )
        for slot in rows:
            s, e = int(slot.start.timestamp()), int(slot.end.timestamp())
            svc = slot.service
            span = (s - svc.buffer_before_minutes * 60, e + svc.buffer_after_minutes * 60)
            by_practitioner[slot.practitioner_id].append(
                OpenSlot(slot, slot.practitioner_id, slot.service_id, s, span, slot.n)  # type: ignore[attr-defined]
            )
        return by_practitioner

    def _client_busy(self, lo: int, hi: int) -> dict[uuid.UUID, list[Span]]:
        busy: dict[uuid.UUID, list[Span]] = defaultdict(list)
        rows = (
            Appointment.objects.active()
            .filter(client_id__in={e.client_id for e in self.entries})
            .overlapping(from_epoch(lo), from_epoch(hi))
            .values_list("client_id", "blocked_start", "blocked_end")
        )
        for client_id, start, end in rows:
            busy[client_id].append((int(start.timestamp()), int(end.timestamp())))
        return busy

    def _offered_before(self) -> set[tuple[uuid.UUID, uuid.UUID, int]]:
        rows = WaitlistOffer.objects.filter(entry__in=[e.pk for e in self.entries]).values_list(
            "entry_id", "slot__practitioner_id", "slot__start"
        )
        return {(entry, who, int(start.timestamp())) for entry, who, start in rows}

    def _fits(self, entry: WaitlistEntry, start: int) -> bool:
        begins = local(from_epoch(start), self.tz)
        ends = local(from_epoch(start + self.duration), self.tz)
        if not entry.earliest_date <= begins.date() <= entry.latest_date:
            return False
        if not entry.weekdays & (1 << begins.weekday()):
            return False
        if entry.earliest_time is not None and begins.time() < entry.earliest_time:
            return False
        return entry.latest_time is None or (
            ends.date() == begins.date() and ends.time() <= entry.latest_time
        )

    def _first_fit(
        self,
        entry: WaitlistEntry,
        starts: dict[uuid.UUID, list[int]],
        open_slots: dict[uuid.UUID, list[OpenSlot]],
        client_busy: dict[uuid.UUID, list[Span]],
        offered_before: set[tuple[uuid.UUID, uuid.UUID, int]],
    ) -> OpenSlot | None:
        """The earliest start (any allowed practitioner) this entry may be offered now."""
        lo = epoch(entry.earliest_date, dt.time(0), self.tz)
        hi = epoch(entry.latest_date + dt.timedelta(days=1), dt.time(0), self.tz)
        who = [entry.practitioner_id] if entry.practitioner_id else list(starts)
        best: OpenSlot | None = None
        for pid in who:
            if pid is None:
                continue
            times = starts.get(pid, [])
            for i in range(bisect.bisect_left(times, lo), len(times)):
                start = times[i]
                if start >= hi or (best is not None and start >= best.start):
                    break
                if (entry.pk, pid, start) in offered_before or not self._fits(entry, start):
                    continue
                span = self.blocked(start)
                if _overlaps(client_busy.get(entry.client_id, []), span):
                    continue
                taken = [o for o in open_slots.get(pid, []) if _overlaps([o.blocked], span)]
                same = next(
                    (o for o in taken if o.start == start and o.service_id == self.service.pk),
                    None,
                )
                if same is not None and len(taken) == 1:
                    if same.open_offers >= OFFERS_PER_SLOT:
                        continue
                    best = same
                    break
                if taken:
                    continue
                best = OpenSlot(None, pid, self.service.pk, start, span, 0)
                break
        return best

    def _offer(
        self,
        entry: WaitlistEntry,
        candidate: OpenSlot,
        open_slots: dict[uuid.UUID, list[OpenSlot]],
    ) -> WaitlistOffer | None:
        """Open the slot (when new) and offer it; a concurrent duplicate is skipped."""
        try:
            with transaction.atomic():
                slot = candidate.slot
                if slot is None:
                    slot = WaitlistSlot.objects.create(
                        clinic_id=self.location.clinic_id,
                        service=self.service,
                        location=self.location,
                        practitioner_id=candidate.practitioner_id,
                        start=from_epoch(candidate.start),
                        end=from_epoch(candidate.start + self.duration),
                    )
                offer = create_offer(entry=entry, slot=slot, now=self.now)
        except IntegrityError:  # another worker offered it in the meantime
            log.info("waitlist offer skipped (already made)", extra={"entry": str(entry.pk)})
            return None
        if candidate.slot is None:
            candidate.slot = slot
            open_slots[candidate.practitioner_id].append(candidate)
        candidate.open_offers += 1
        return offer


def scan(
    now: dt.datetime,
    *,
    clinic_id: Any = None,
    location_id: Any = None,
    day: dt.date | None = None,
    entry_ids: list[Any] | None = None,
) -> ScanResult:
    """Offer free time to waiting entries (all, a clinic's, a location's, or some)."""
    entries = WaitlistEntry.objects.filter(status=EntryStatus.WAITING).select_related(
        "clinic", "client", "service", "location"
    )
    if clinic_id is not None:
        entries = entries.filter(clinic_id=clinic_id)
    if location_id is not None:
        entries = entries.filter(location_id=location_id)
    if day is not None:
        entries = entries.filter(earliest_date__lte=day, latest_date__gte=day)
    else:
        entries = entries.filter(latest_date__gte=(now - dt.timedelta(days=1)).date())
    if entry_ids is not None:
        # Only these may be offered something, but in the queue's order.
        entries = entries.filter(pk__in=entry_ids)
    groups: dict[tuple[Any, Any], list[WaitlistEntry]] = defaultdict(list)
    for entry in entries.filter(service__active=True, location__active=True).order_by(
        "created_at", "id"
    ):
        groups[(entry.service_id, entry.location_id)].append(entry)
    result = ScanResult()
    for members in groups.values():
        first = members[0]
        _Group(first.service, first.location, members, now, day).run(result)
    return result
