"""A new clinic starts with the shipped listening stations and technique templates."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from sacrum.charting.services import ensure_defaults
from sacrum.clinics.models import Clinic


@receiver(post_save, sender=Clinic, dispatch_uid="charting_defaults_for_new_clinic")
def give_new_clinic_the_charting_defaults(
    sender: Any, instance: Clinic, created: bool, **kwargs: Any
) -> None:
    if created and not kwargs.get("raw"):
        ensure_defaults(instance.pk)
