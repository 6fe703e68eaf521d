"""Reads for reminders and feeds, always scoped to the actor's clinic (else 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sacrum.access.scoping import get_scoped_or_404
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.permissions import require
from sacrum.notifications.models import CalendarFeed, ReminderDelivery, ReminderPolicy
from sacrum.scheduling.models import Appointment


def policy_for(actor: Actor) -> ReminderPolicy:
    """The clinic's reminder settings (the defaults when never saved)."""
    require(actor, "clinic.view")
    assert actor.clinic is not None
    return ReminderPolicy.for_clinic(actor.clinic.pk)


def deliveries_for(actor: StaffActor) -> QuerySet[ReminderDelivery]:
    return ReminderDelivery.objects.for_member(actor.member, "view").select_related(
        "appointment__client", "appointment__service", "appointment__location"
    )


def appointment_deliveries(actor: StaffActor, appointment_id: Any) -> list[ReminderDelivery]:
    """The reminders of one appointment (404 when it isn't this clinic's)."""
    appointment = get_scoped_or_404(
        Appointment.objects.for_member(actor.member, "view"),
        pk=appointment_id,
    )
    return list(
        ReminderDelivery.objects.filter(appointment=appointment).order_by(
            "-appointment_start", "-offset_minutes"
        )
    )


def feeds_for(actor: StaffActor) -> QuerySet[CalendarFeed]:
    """One's own feeds; the owner (staff.manage) sees every feed of the clinic."""
    qs = CalendarFeed.objects.for_member(actor.member, "view").select_related(
        "practitioner__user", "practitioner__practitioner_profile"
    )
    if not actor.can("staff.manage"):
        qs = qs.filter(practitioner=actor.member)
    return qs


def feed_for(actor: StaffActor, calendar_feed_id: Any) -> CalendarFeed:
    return get_scoped_or_404(feeds_for(actor), pk=calendar_feed_id)


def own_feed(actor: StaffActor) -> CalendarFeed | None:
    return feeds_for(actor).filter(practitioner=actor.member, revoked_at__isnull=True).first()
