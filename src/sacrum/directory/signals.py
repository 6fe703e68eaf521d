"""Every practitioner profile gets its lasting public address when it is made."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from sacrum.clinics.models import PractitionerProfile
from sacrum.directory.slugs import ensure_listing


@receiver(post_save, sender=PractitionerProfile, dispatch_uid="directory_listing_for_profile")
def _listing_for_new_profile(
    sender: type[PractitionerProfile], instance: PractitionerProfile, created: bool, **kwargs: Any
) -> None:
    if created and not kwargs.get("raw"):
        ensure_listing(instance)
