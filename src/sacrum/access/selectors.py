"""Reads of the audit log, for owners of a clinic."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from sacrum.access.models import AuditEntry
from sacrum.kernel.actor import Actor


def audit_entries_for(
    actor: Actor,
    *,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor_id: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """The clinic's audit log, newest first, filtered; empty unless the actor may view it."""
    if not actor.can("audit.view") or actor.clinic is None:
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.filter(clinic=actor.clinic).select_related("actor")
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor_id:
        qs = qs.filter(actor__pk=actor_id)
    tz = timezone.get_current_timezone()
    if since:
        qs = qs.filter(at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        qs = qs.filter(at__lte=datetime.combine(until, time.max, tzinfo=tz))
    return qs
