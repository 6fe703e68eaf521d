"""A new clinic starts with Sacrum's default consent text (the owner edits it)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from sacrum.clients.consent import install_default_text
from sacrum.clinics.models import Clinic


@receiver(post_save, sender=Clinic, dispatch_uid="clients_default_consent_for_new_clinic")
def give_new_clinic_a_consent_text(
    sender: Any, instance: Clinic, created: bool, **kwargs: Any
) -> None:
    if created and not kwargs.get("raw"):
        install_default_text(instance.pk)
