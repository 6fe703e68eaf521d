"""What billing does when an appointment changes status.

Completed: a covered appointment uses a package credit (once, ever), then the clinic's
automatic draft invoice is made when the setting is on (at zero for a covered service).
No-show, or cancelled late by the client: a package credit when the clinic's policy says
so, otherwise the service's fee on a draft invoice of the client (``fees.py``).

The receiver runs inside the transaction that changes the appointment, so a rolled-back
change leaves neither a used credit nor an invoice. Saves that do not touch the status
(a front-desk note) are ignored.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from sacrum.billing import fees, packages, services
from sacrum.scheduling.models import Appointment, AppointmentStatus

WATCHED = (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED)


@receiver(post_save, sender=Appointment, dispatch_uid="billing_invoice_on_completion")
def appointment_saved(sender: Any, instance: Appointment, created: bool, **kw: Any) -> None:
    if kw.get("raw") or instance.status not in WATCHED:
        return
    fields = kw.get("update_fields")
    if fields is not None and "status" not in fields:
        return
    used = packages.use_credit(appointment=instance)
    if instance.status == AppointmentStatus.COMPLETED:
        services.invoice_completed_appointment(appointment=instance)
    elif used is None:
        fees.charge(appointment=instance)
