"""Tenancy in one place: every clinic-owned model's queryset scopes through here.

``Model.objects.for_member(member, action)`` returns only rows of the member's clinic,
and none at all when the member's role may not take that action. Views and API
handlers never filter by clinic by hand, and a row outside reach is a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

from sacrum.access.roles import role_allows

if TYPE_CHECKING:
    from sacrum.clinics.models import Membership

M = TypeVar("M", bound=models.Model)


class ClinicScopedQuerySet(models.QuerySet[M], Generic[M]):
    """Subclasses set ``area`` (the permission area) and ``clinic_path`` (lookup to Clinic)."""

    area: str = ""
    clinic_path: str = "clinic"

    def for_member(self, member: Membership, action: str = "view") -> Self:
        if not member or not role_allows(member.role, f"{self.area}.{action}"):
            return self.none()
        return self.filter(**{self.clinic_path: member.clinic_id})


def get_scoped_or_404(queryset: models.QuerySet[M], **lookup: Any) -> M:
    """Fetch one row from an already scoped queryset, or 404 (never 403: no leak)."""
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found") from exc
