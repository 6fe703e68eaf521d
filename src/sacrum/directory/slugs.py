"""Readable, lasting public addresses: ``/practitioners/anna-schmidt/``.

The slug is made once from the name (a later change of name keeps the address, so links
from elsewhere keep working); a second "Anna Schmidt" on the server gets ``-2``.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from sacrum.clinics.models import PractitionerProfile
from sacrum.directory.models import Listing

MAX_BASE = 70


def _base(name: str) -> str:
    return slugify(name)[:MAX_BASE].strip("-") or "practitioner"


def ensure_listing(profile: PractitionerProfile) -> Listing:
    """The profile's listing, made with a free slug when it has none."""
    found = Listing.objects.filter(profile=profile).first()
    if found is not None:
        return found
    base = _base(profile.display_name)
    taken = set(Listing.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    number = 1
    while True:
        slug = base if number == 1 else f"{base}-{number}"
        number += 1
        if slug in taken:
            continue
        try:
            with transaction.atomic():
                return Listing.objects.create(profile=profile, slug=slug)
        except IntegrityError:  # made by a concurrent request: take the next number
            found = Listing.objects.filter(profile=profile).first()
            if found is not None:
                return found
