"""Reads of outcome data: always scoped, clinical (never the front desk), and audited."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import QuerySet

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clients.models import Client
from sacrum.clients.selectors import client_for
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Forbidden
from sacrum.outcomes.models import (
    DiaryEntry,
    InstrumentDefinition,
    OutcomeAlert,
    OutcomeSummary,
    Response,
)
from sacrum.outcomes.services import ensure_definitions

CLINICAL_ONLY = "Outcome measures are for practitioners and owners only."


def require_outcomes(actor: Actor, action: str = "view") -> None:
    if not actor.can(f"outcome.{action}"):
        raise Forbidden(CLINICAL_ONLY)


def definitions_for(actor: StaffActor) -> QuerySet[InstrumentDefinition]:
    """The clinic's instruments (the shipped ones are added on first use)."""
    require_outcomes(actor)
    assert actor.clinic is not None
    ensure_definitions(actor.clinic)
    return InstrumentDefinition.objects.for_member(actor.member, "view")


def definition_for(actor: StaffActor, definition_id: uuid.UUID | str) -> InstrumentDefinition:
    require_outcomes(actor)
    return get_scoped_or_404(
        InstrumentDefinition.objects.for_member(actor.member, "view"),
        pk=definition_id,
    )


def outcome_client(
    actor: StaffActor, client_id: uuid.UUID | str, *, audited: bool = True
) -> Client:
    """The client, if the actor may see outcomes; reading their outcomes is audited."""
    require_outcomes(actor)
    client = client_for(actor, client_id, audited=False)
    if audited:
        audit.record(actor, AuditAction.READ, client, object_type="client_outcomes")
    return client


def responses_for(actor: StaffActor, client: Client) -> QuerySet[Response]:
    require_outcomes(actor)
    qs: QuerySet[Response] = Response.objects.for_member(actor.member, "view")
    return qs.filter(client=client).select_related("definition").order_by("-completed_at")


def response_for(
    actor: StaffActor, response_id: uuid.UUID | str, *, audited: bool = True
) -> Response:
    require_outcomes(actor)
    response = get_scoped_or_404(
        Response.objects.for_member(actor.member, "view").select_related("definition", "client"),
        pk=response_id,
    )
    if audited:
        audit.record(actor, AuditAction.READ, response)
    return response


def diary_for(
    actor: StaffActor, client: Client, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[DiaryEntry]:
    require_outcomes(actor)
    qs: QuerySet[DiaryEntry] = DiaryEntry.objects.for_member(actor.member, "view").filter(
        client=client
    )
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    return qs.order_by("date")


def diary_entry_for(actor: StaffActor, entry_id: uuid.UUID | str) -> DiaryEntry:
    require_outcomes(actor)
    return get_scoped_or_404(
        DiaryEntry.objects.for_member(actor.member, "view").select_related("client"),
        pk=entry_id,
    )


def summaries_for(actor: StaffActor, client: Client) -> QuerySet[OutcomeSummary]:
    require_outcomes(actor)
    qs: QuerySet[OutcomeSummary] = OutcomeSummary.objects.for_member(actor.member, "view")
    return qs.filter(client=client)


def alerts_for(actor: StaffActor, client: Client | None = None) -> QuerySet[OutcomeAlert]:
    """Open safety alerts, newest first (all of the clinic's, or one client's)."""
    require_outcomes(actor)
    qs: QuerySet[OutcomeAlert] = OutcomeAlert.objects.for_member(actor.member, "view").filter(
        acknowledged_at__isnull=True
    )
    if client is not None:
        qs = qs.filter(client=client)
    return qs.select_related("client").order_by("-raised_at")


def alert_for(actor: StaffActor, alert_id: uuid.UUID | str) -> OutcomeAlert:
    require_outcomes(actor)
    return get_scoped_or_404(
        OutcomeAlert.objects.for_member(actor.member, "view"),
        pk=alert_id,
    )
