"""Reads: the clinic's rule and its erasures (owners only; no client identity leaves here
except to the owner, who may need to find a held record)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clients.models import Client
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.permissions import require
from sacrum.retention.models import Erasure, RetentionPolicy


def policy_for(actor: StaffActor) -> RetentionPolicy:
    require(actor, "clinic.manage")
    return RetentionPolicy.for_clinic(actor.clinic.pk)


def erasures_for(actor: StaffActor) -> QuerySet[Erasure]:
    require(actor, "client.erase")
    qs: QuerySet[Erasure] = Erasure.objects.for_member(actor.member, "manage")
    return qs.select_related("erased_by__user")


def client_to_erase(actor: StaffActor, client_id: uuid.UUID | str) -> Client:
    """The client to erase, erased or not (so erasing twice finds the first erasure); another
    clinic's client is a 404. Owners only, checked before the lookup; the read is audited."""
    require(actor, "client.erase")
    client = get_scoped_or_404(Client.objects.filter(clinic_id=actor.clinic.pk), pk=client_id)
    audit.record(actor, AuditAction.READ, client)
    return client
