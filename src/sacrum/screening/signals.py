"""A new clinic starts with the shipped screening rules."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from sacrum.clinics.models import Clinic
from sacrum.screening.rules import install_shipped_rules


@receiver(post_save, sender=Clinic, dispatch_uid="screening_rules_for_new_clinic")
def give_new_clinic_the_shipped_rules(
    sender: Any, instance: Clinic, created: bool, **_: Any
) -> None:
    if created and not _.get("raw"):
        install_shipped_rules(instance.pk)
