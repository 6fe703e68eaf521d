"""When an appointment is cancelled or moved, the time it held is offered to the waitlist.

The receivers only schedule a scan of the entries that could want that day at that
location, after the cancelling transaction commits (so the time really is free and a
rolled-back cancel offers nothing). A failing scan is logged and never breaks the
cancellation; the periodic tick picks it up within a minute.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from sacrum.clinics.models import Location
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, AppointmentChange, AppointmentStatus, ChangeKind
from sacrum.waitlist.models import OPEN_ENTRY, WaitlistEntry
from sacrum.waitlist.services import offer_soon

FREES_TIME = (AppointmentStatus.CANCELLED,)


def _offer_after_commit(location_id: Any, instant: Any) -> None:
    location = Location.objects.filter(pk=location_id).only("time_zone").first()
    if location is None:
        return
    day = local(instant, zone(location.time_zone)).date()
    if not WaitlistEntry.objects.filter(
        location_id=location_id,
        status__in=OPEN_ENTRY,
        earliest_date__lte=day,
        latest_date__gte=day,
    ).exists():
        return
    transaction.on_commit(lambda: offer_soon(location_id=location_id, day=day))


@receiver(post_save, sender=Appointment, dispatch_uid="waitlist_appointment_freed")
def appointment_saved(sender: Any, instance: Appointment, created: bool, **kw: Any) -> None:
    if created or kw.get("raw") or instance.status not in FREES_TIME:
        return
    _offer_after_commit(instance.location_id, instance.start)


@receiver(post_save, sender=AppointmentChange, dispatch_uid="waitlist_appointment_moved")
def appointment_moved(sender: Any, instance: AppointmentChange, created: bool, **kw: Any) -> None:
    if not created or kw.get("raw") or instance.kind == ChangeKind.STATUS:
        return
    if instance.from_start is None:
        return
    appointment = instance.appointment
    _offer_after_commit(appointment.location_id, instance.from_start)
