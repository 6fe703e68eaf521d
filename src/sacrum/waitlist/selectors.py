"""Waitlist reads, scoped to the actor's clinic (another clinic's entry is a 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.kernel.actor import StaffActor
from sacrum.waitlist.models import OPEN_ENTRY, WaitlistEntry, WaitlistOffer

ENTRY_RELATED = (
    "client",
    "service",
    "location",
    "practitioner__user",
    "practitioner__practitioner_profile",
)
OFFER_RELATED = (
    "entry__client",
    "slot__service",
    "slot__location",
    "slot__room",
    "slot__practitioner__user",
    "slot__practitioner__practitioner_profile",
)


def entries_for(
    actor: StaffActor, *, status: str | None = None, client_id: Any = None, open_only: bool = False
) -> QuerySet[WaitlistEntry]:
    """Entries in queue order (earliest first), each with its offers (two queries)."""
    qs = (
        WaitlistEntry.objects.for_member(actor.member, "view")
        .select_related(*ENTRY_RELATED)
        .prefetch_related(
            Prefetch(
                "offers",
                queryset=WaitlistOffer.objects.select_related(
                    "slot__practitioner__user", "slot__practitioner__practitioner_profile"
                ).order_by("-sent_at"),
            )
        )
    )
    if open_only:
        qs = qs.filter(status__in=OPEN_ENTRY)
    if status:
        qs = qs.filter(status=status)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return qs.order_by("created_at", "id")


def entry_for(actor: StaffActor, entry_id: object) -> WaitlistEntry:
    entry = get_scoped_or_404(entries_for(actor), pk=entry_id)
    audit.record(actor, AuditAction.READ, entry)
    return entry


def offers_for(
    actor: StaffActor, *, entry_id: Any = None, status: str | None = None
) -> QuerySet[WaitlistOffer]:
    qs = WaitlistOffer.objects.for_member(actor.member, "view").select_related(*OFFER_RELATED)
    if entry_id is not None:
        qs = qs.filter(entry_id=entry_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-sent_at", "id")
