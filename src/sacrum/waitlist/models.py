"""The waitlist: clients waiting for a time, freed times on offer, and the offers e-mailed.

An entry asks for a service at a location (optionally with one practitioner) on some
local dates, weekdays and times. When matching time is free, a ``WaitlistSlot`` is
opened for it and ``WaitlistOffer`` rows are e-mailed to the waiting clients in the order
they joined. The first to accept books it through scheduling's booking service; the
others are told it is gone. The database holds the rules that must never break:
one accepted offer per slot, one open offer per entry, one open entry per client,
service and location, one open slot per practitioner and start.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sacrum.access.scoping import ClinicScopedQuerySet

ALL_WEEKDAYS = 0b1111111  # Monday is bit 0, Sunday bit 6
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekday_list(mask: int) -> list[int]:
    return [day for day in range(7) if mask & (1 << day)]


def weekday_mask(days: list[int]) -> int:
    return sum(1 << day for day in set(days))


class EntryStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered a time"
    BOOKED = "booked", "Booked"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"


OPEN_ENTRY = (EntryStatus.WAITING.value, EntryStatus.OFFERED.value)


class WaitlistEntryQuerySet(ClinicScopedQuerySet["WaitlistEntry"]):
    area = "schedule"

    def open(self) -> WaitlistEntryQuerySet:
        return self.filter(status__in=OPEN_ENTRY)


class WaitlistEntry(models.Model):
    """A client waiting for a service; the earliest to join is offered a freed time first."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    service = models.ForeignKey(
        "scheduling.ServiceType", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    practitioner = models.ForeignKey(
        "clinics.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
        help_text="Leave empty for anyone who offers the service.",
    )
    earliest_date = models.DateField(help_text="First day that would suit (local date).")
    latest_date = models.DateField(help_text="Last day that would suit (local date).")
    weekdays = models.PositiveSmallIntegerField(
        default=ALL_WEEKDAYS, help_text="Days of the week that suit (bit 0 is Monday)."
    )
    earliest_time = models.TimeField(
        null=True, blank=True, help_text="Not starting before (local time at the location)."
    )
    latest_time = models.TimeField(
        null=True, blank=True, help_text="Finished by (local time at the location)."
    )
    note = models.CharField(
        max_length=300, blank=True, help_text="Practical, non-clinical (e.g. 'needs parking')."
    )
    status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.WAITING
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waitlist_entries",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, help_text="Priority: earlier goes first.")
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[WaitlistEntryQuerySet] = WaitlistEntryQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name_plural = "waitlist entries"
        ordering = ("created_at", "id")
        constraints = (
            models.CheckConstraint(
                condition=Q(latest_date__gte=F("earliest_date")),
                name="waitlist_entry_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(weekdays__gte=1, weekdays__lte=ALL_WEEKDAYS),
                name="waitlist_entry_some_weekday",
            ),
            models.CheckConstraint(
                condition=Q(earliest_time__isnull=True)
                | Q(latest_time__isnull=True)
                | Q(latest_time__gt=F("earliest_time")),
                name="waitlist_entry_times_in_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EntryStatus.values), name="waitlist_entry_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OPEN_ENTRY, closed_at__isnull=True)
                | (~Q(status__in=OPEN_ENTRY) & Q(closed_at__isnull=False)),
                name="waitlist_entry_closed_has_time",
            ),
            models.UniqueConstraint(
                fields=("client", "service", "location"),
                condition=Q(status__in=OPEN_ENTRY),
                name="waitlist_one_open_entry_per_client_service_location",
            ),
        )
        indexes = (
            models.Index(fields=("clinic", "status", "created_at"), name="waitlist_entry_queue"),
            models.Index(fields=("location", "status", "latest_date"), name="waitlist_entry_place"),
        )

    def __str__(self) -> str:
        return f"Waitlist entry {self.pk} ({self.status})"

    @property
    def weekday_numbers(self) -> list[int]:
        return weekday_list(self.weekdays)

    @property
    def weekday_text(self) -> str:
        days = self.weekday_numbers
        if len(days) == 7:
            return "any day"
        if days == [0, 1, 2, 3, 4]:
            return "weekdays"
        return ", ".join(WEEKDAY_NAMES[d] for d in days)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ENTRY


class SlotStatus(models.TextChoices):
    OPEN = "open", "On offer"
    TAKEN = "taken", "Taken from the waitlist"
    CLOSED = "closed", "No longer offered"


class WaitlistSlotQuerySet(ClinicScopedQuerySet["WaitlistSlot"]):
    area = "schedule"


class WaitlistSlot(models.Model):
    """A free time being offered to the waitlist: one service, practitioner and start."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(
        "scheduling.ServiceType", on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        "clinics.Membership", on_delete=models.PROTECT, related_name="+"
    )
    room = models.ForeignKey(
        "clinics.Room",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Chosen by the booking service when the offer is accepted (a free one).",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=8, choices=SlotStatus.choices, default=SlotStatus.OPEN)
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[WaitlistSlotQuerySet] = WaitlistSlotQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("start",)
        constraints = (
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="waitlist_slot_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SlotStatus.values), name="waitlist_slot_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=SlotStatus.OPEN, closed_at__isnull=True)
                | (~Q(status=SlotStatus.OPEN) & Q(closed_at__isnull=False)),
                name="waitlist_slot_closed_has_time",
            ),
            # Two ticks (or a tick and a cancellation) can't put the same time on offer twice.
            models.UniqueConstraint(
                fields=("practitioner", "start"),
                condition=Q(status=SlotStatus.OPEN),
                name="waitlist_one_open_slot_per_practitioner_start",
            ),
        )
        indexes = (models.Index(fields=("status", "start"), name="waitlist_slot_open"),)

    def __str__(self) -> str:
        return f"Waitlist slot {self.start:%Y-%m-%d %H:%M} UTC ({self.status})"


class OfferStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    GONE = "gone", "Gone to someone else"
    EXPIRED = "expired", "Expired"


class WaitlistOfferQuerySet(ClinicScopedQuerySet["WaitlistOffer"]):
    area = "schedule"


class WaitlistOffer(models.Model):
    """One e-mailed offer of a slot to one entry, opened by a one-time link (hashed token)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    slot = models.ForeignKey(WaitlistSlot, on_delete=models.CASCADE, related_name="offers")
    token_digest = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=8, choices=OfferStatus.choices, default=OfferStatus.OFFERED
    )
    sent_to = models.EmailField()
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was accepted, went to someone else or expired."
    )

    objects: ClassVar[WaitlistOfferQuerySet] = WaitlistOfferQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("sent_at", "id")
        constraints = (
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("sent_at")), name="waitlist_offer_expires_after_sent"
            ),
            models.CheckConstraint(
                condition=Q(status__in=OfferStatus.values), name="waitlist_offer_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=OfferStatus.OFFERED, answered_at__isnull=True)
                | (~Q(status=OfferStatus.OFFERED) & Q(answered_at__isnull=False)),
                name="waitlist_offer_answered_has_time",
            ),
            models.UniqueConstraint(fields=("entry", "slot"), name="waitlist_offer_once_per_entry"),
            models.UniqueConstraint(
                fields=("entry",),
                condition=Q(status=OfferStatus.OFFERED),
                name="waitlist_one_open_offer_per_entry",
            ),
            # The first to accept wins: a second accepted offer for the slot can't exist.
            models.UniqueConstraint(
                fields=("slot",),
                condition=Q(status=OfferStatus.ACCEPTED),
                name="waitlist_one_accepted_offer_per_slot",
            ),
        )
        indexes = (models.Index(fields=("status", "expires_at"), name="waitlist_offer_open"),)

    def __str__(self) -> str:
        return f"Waitlist offer {self.pk} ({self.status})"
