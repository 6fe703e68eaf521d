"""Reads of outcome data: always scoped, clinical (never the front desk), and audited; and the
analysis behind every curve (the staff page, the API and the portal all read it from here)."""

from __future__ import annotations

import datetime as dt
import math
import uuid
import zoneinfo
from collections import defaultdict
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clients.models import Client
from sacrum.clients.selectors import client_for
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Forbidden
from sacrum.outcomes.definitions import CONDITIONS
from sacrum.outcomes.insight import MeasureView, Observation, analyse, weekly_diary
from sacrum.outcomes.models import (
    DiaryEntry,
    InstrumentDefinition,
    OutcomeAlert,
    OutcomeSummary,
    Response,
)
from sacrum.outcomes.scoring import DiaryDay
from sacrum.outcomes.services import ensure_definitions
from sacrum.scheduling.models import Appointment

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


# --- The analysis behind every curve (staff pages, the API and the portal) -------------

SESSION_STATUSES = ("arrived", "completed")


def client_zone(client: Client) -> zoneinfo.ZoneInfo:
    """The clinic's time zone (UTC if the name is unknown)."""
    try:
        return zoneinfo.ZoneInfo(client.clinic.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def session_dates(client: Client) -> list[dt.date]:
    """Days the client attended a session (arrived or completed), in the clinic's zone."""
    zone = client_zone(client)
    starts = Appointment.objects.filter(client=client, status__in=SESSION_STATUSES).values_list(
        "start", flat=True
    )
    return sorted({timezone.localtime(s, zone).date() for s in starts})


def practice_spread(clinic_id: Any) -> dict[str, tuple[float | None, int]]:
    """Sample SD of baseline scores per measure in the clinic (sums from SQL), and how many."""
    rows = (
        OutcomeSummary.objects.filter(clinic_id=clinic_id, baseline_value__isnull=False)
        .values("instrument_key")
        .annotate(
            n=Count("id"),
            s=Sum("baseline_value"),
            ss=Sum(F("baseline_value") * F("baseline_value")),
        )
    )
    result: dict[str, tuple[float | None, int]] = {}
    for row in rows:
        n, s, ss = row["n"], row["s"] or 0.0, row["ss"] or 0.0
        sd = math.sqrt(max((ss - s * s / n) / (n - 1), 0.0)) if n > 1 else None
        result[row["instrument_key"]] = (sd, n)
    return result


def measure_views(actor: StaffActor, client: Client) -> list[tuple[OutcomeSummary, MeasureView]]:
    """Every measure the client has, analysed; a fixed handful of queries whatever the count."""
    summaries = list(summaries_for(actor, client))
    return analysed_measures(client, summaries, diary_for(actor, client), client_zone(client))


def analysed_measures(
    client: Client,
    summaries: list[OutcomeSummary],
    diary: Any,
    zone: Any,
    *,
    compact: bool = False,
) -> list[tuple[OutcomeSummary, MeasureView]]:
    """The analysis behind every curve: the staff page and the client's portal both call it,
    each having already decided (and audited) that the reader may see these rows.

    ``compact`` draws the phone-sized curve (the portal's)."""
    if not summaries:
        return []
    definitions: dict[str, InstrumentDefinition] = {}
    for d in InstrumentDefinition.objects.filter(clinic_id=client.clinic_id).order_by("created_at"):
        definitions[d.key] = d
    series: dict[str, list[Observation]] = defaultdict(list)
    for key, when, total in (
        Response.objects.filter(client=client, total__isnull=False)
        .order_by("completed_at")
        .values_list("instrument_key", "completed_at", "total")
    ):
        series[key].append(Observation(timezone.localtime(when, zone).date(), total))  # type: ignore[arg-type]  # total__isnull=False
    days = [
        DiaryDay(day, headache, medication, peak)
        for day, headache, medication, peak in diary.order_by("date").values_list(
            "date", "headache", "medication", "peak"
        )
    ]
    sessions = session_dates(client)
    spread = practice_spread(client.clinic_id)
    result = []
    for summary in summaries:
        definition = definitions.get(summary.instrument_key)
        if definition is None:
            continue
        instrument = definition.instrument
        observations = (
            weekly_diary(days)
            if instrument.scoring.method == "diary_per_28_days"
            else series[summary.instrument_key]
        )
        sd, n = spread.get(summary.instrument_key, (None, 0))
        view = analyse(
            instrument,
            observations,
            sessions=sessions,
            status=summary.status,
            baseline=summary.baseline_value,
            latest=summary.latest_value,
            practice_sd=sd,
            practice_n=n,
            compact=compact,
        )
        view.condition_label = CONDITIONS.get(summary.condition, summary.condition)
        result.append((summary, view))
    return result
