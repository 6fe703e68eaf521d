"""Who and what the public may see: the one place that says "listed".

A practitioner is listed when their clinic has the directory on, their profile says
``listed_publicly`` and their membership is active in a clinical role. A service is
listed when it is active, bookable online, offered by the practitioner and not hidden
by the owner. Every public page, the search, the sitemap and the feed start here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from sacrum.access.roles import Role
from sacrum.clinics.models import PractitionerProfile
from sacrum.scheduling.models import ServiceType

CLINICAL_ROLES = (Role.OWNER, Role.PRACTITIONER)


def listed_profile_filter(prefix: str = "") -> Q:
    """The rule for a practitioner profile, reached through ``prefix`` (``""``: itself)."""
    p = f"{prefix}__" if prefix else ""
    return Q(
        **{
            f"{p}listed_publicly": True,
            f"{p}membership__active": True,
            f"{p}membership__role__in": CLINICAL_ROLES,
            f"{p}membership__clinic__directory_enabled": True,
        }
    )


def listed_profiles() -> QuerySet[PractitionerProfile]:
    return PractitionerProfile.objects.filter(listed_profile_filter())


def listed_member_filter(prefix: str) -> Q:
    """The same rule seen from a row that points at a membership through ``prefix``."""
    return Q(
        **{
            f"{prefix}__practitioner_profile__listed_publicly": True,
            f"{prefix}__active": True,
            f"{prefix}__role__in": CLINICAL_ROLES,
            f"{prefix}__clinic__directory_enabled": True,
        }
    )


def listed_services() -> QuerySet[ServiceType]:
    return ServiceType.objects.filter(
        active=True, bookable_online=True, directory_hidden__isnull=True
    )


def offers_of(member_ids: Any) -> QuerySet[Any]:
    """(member, service) rows of listed services offered by these memberships (one query)."""
    through = ServiceType.practitioners.through
    return (
        through.objects.filter(
            membership_id__in=member_ids,
            servicetype__active=True,
            servicetype__bookable_online=True,
            servicetype__directory_hidden__isnull=True,
        )
        .order_by("servicetype__name")
        .values_list(
            "membership_id",
            "servicetype_id",
            "servicetype__clinic_id",
            "servicetype__name",
            "servicetype__description",
            "servicetype__duration_minutes",
            "servicetype__buffer_before_minutes",
            "servicetype__buffer_after_minutes",
            "servicetype__needs_room",
            "servicetype__price",
            "servicetype__new_clients_only",
        )
    )
