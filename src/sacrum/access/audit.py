"""The one function every capability calls to write the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from sacrum.access.models import AuditAction, AuditEntry

if TYPE_CHECKING:
    from sacrum.clinics.models import Clinic
    from sacrum.kernel.actor import Actor


def audit_object_type(obj: models.Model) -> str:
    return obj._meta.model_name or obj.__class__.__name__.lower()


def record(
    actor: Actor,
    action: AuditAction | str,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    object_id: str = "",
    clinic: Clinic | None = None,
) -> AuditEntry:
    """Append who did ``action`` to which record. Only type and id are stored, never content."""
    if obj is not None:
        object_type = object_type or audit_object_type(obj)
        object_id = object_id or str(obj.pk)
    return AuditEntry.objects.create(
        clinic=clinic or actor.clinic,
        actor=actor.user,
        action=str(action),
        object_type=object_type,
        object_id=object_id,
        ip=actor.ip,
        user_agent=actor.user_agent,
        via=actor.via,
    )
