"""A completed appointment becomes a draft invoice when the clinic asks for that.

The receiver runs inside the transaction that completes the appointment, so a
rolled-back completion leaves no invoice; an appointment that already has a live
invoice keeps it (a database constraint holds one per appointment).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from sacrum.billing import services
from sacrum.scheduling.models import Appointment, AppointmentStatus


@receiver(post_save, sender=Appointment, dispatch_uid="billing_invoice_on_completion")
def appointment_saved(sender: Any, instance: Appointment, created: bool, **kw: Any) -> None:
    if kw.get("raw") or instance.status != AppointmentStatus.COMPLETED:
        return
    services.invoice_completed_appointment(appointment=instance)
