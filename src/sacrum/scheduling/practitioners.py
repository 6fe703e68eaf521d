"""Who a client can book online, as the public booking page introduces them.

Name, profession, the bio the practitioner wrote for clients, and their photo. The photo
belongs to the public directory (its upload form promises it shows only while the profile
is listed), and the directory sits above scheduling, so the directory registers a photo
source here when Django starts; without one every practitioner gets the initials.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.text import Truncator

from sacrum.clinics.models import Clinic, Membership
from sacrum.scheduling.models import ServiceType
from sacrum.scheduling.services.booking import CLINICAL_ROLES
from sacrum.scheduling.services.online import practitioner_name

SHORT_BIO = 180  # characters shown before "Read more"

# photos(membership ids) -> {membership id: URL of a photo the public may see}; one query.
PhotoSource = Callable[[Sequence[uuid.UUID]], dict[uuid.UUID, str]]
_sources: list[PhotoSource] = []


def register_photo_source(source: PhotoSource) -> None:
    if source not in _sources:
        _sources.append(source)


def public_photos(member_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    found: dict[uuid.UUID, str] = {}
    for source in _sources:
        found.update(source(member_ids))
    return found


@dataclass(frozen=True)
class Practitioner:
    """One practitioner card: only what a client is meant to read about them."""

    member_id: uuid.UUID
    name: str
    profession: str
    bio: str
    short_bio: str
    photo_url: str

    @property
    def initials(self) -> str:
        words = [w for w in self.name.replace("-", " ").split() if w[:1].isalpha()]
        return "".join(w[0] for w in (words[:1] + words[1:][-1:])).upper() or "?"

    @property
    def bio_trimmed(self) -> bool:
        return self.short_bio != self.bio


def bookable_online(clinic: Clinic) -> list[Membership]:
    """Active clinical staff offering at least one service bookable online (one query)."""
    members = (
        Membership.objects.filter(
            clinic=clinic,
            active=True,
            role__in=CLINICAL_ROLES,
            offered_services__in=ServiceType.objects.filter(
                clinic=clinic, active=True, bookable_online=True
            ),
        )
        .distinct()
        .select_related("user", "practitioner_profile")
    )
    return sorted(members, key=practitioner_name)


def cards(members: Sequence[Membership]) -> list[Practitioner]:
    """The cards for these practitioners (profiles already loaded): one query for photos."""
    photos = public_photos([m.pk for m in members]) if members else {}
    result = []
    for member in members:
        profile = getattr(member, "practitioner_profile", None)
        bio = (profile.bio if profile else "").strip()
        result.append(
            Practitioner(
                member_id=member.pk,
                name=practitioner_name(member),
                profession=profile.get_profession_display() if profile else "",
                bio=bio,
                short_bio=Truncator(bio).chars(SHORT_BIO),
                photo_url=photos.get(member.pk, ""),
            )
        )
    return result
