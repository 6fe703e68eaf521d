"""Writes for outcomes: role-checked, validated, audited; summaries kept current.

Every write that changes a client's measurements recomputes that measure's
``OutcomeSummary`` in the same transaction, so practice reports never read raw answers.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.changes import refuse_nulls
from sacrum.access.models import AuditAction
from sacrum.access.roles import Role
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Membership
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.mail import send_email
from sacrum.kernel.permissions import require
from sacrum.outcomes.definitions import CONDITIONS, DefinitionError, shipped_instruments
from sacrum.outcomes.fhir import attach_texts
from sacrum.outcomes.models import (
    DiaryEntry,
    InstrumentDefinition,
    Occasion,
    OutcomeAlert,
    OutcomeSummary,
    Response,
)
from sacrum.outcomes.scoring import DiaryDay
from sacrum.outcomes.summaries import Point, SummaryValues, summarize, summarize_diary

DIARY_KEY = "headache-diary"


def ensure_definitions(clinic: Clinic) -> None:
    """Give the clinic every shipped instrument it doesn't have yet (idempotent)."""
    have = set(InstrumentDefinition.objects.filter(clinic=clinic).values_list("key", "version"))
    missing = [
        InstrumentDefinition(
            clinic=clinic,
            key=instrument.key,
            version=instrument.version,
            title=instrument.title,
            definition=instrument.source,
        )
        for instrument in shipped_instruments().values()
        if (instrument.key, instrument.version) not in have
    ]
    if missing:
        InstrumentDefinition.objects.bulk_create(missing, ignore_conflicts=True)


@transaction.atomic
def import_wording(
    *, actor: Actor, definition: InstrumentDefinition, document: Mapping[str, Any], source: str = ""
) -> InstrumentDefinition:
    """Attach the clinic's licensed item texts (a FHIR Questionnaire) to a shipped scoring."""
    require(actor, "outcome.manage")
    try:
        merged = attach_texts(definition.instrument, document)
    except DefinitionError as exc:
        raise ValidationError({"document": exc.problems}) from exc
    definition.definition = merged.source
    definition.texts_from = (source or str(document.get("title") or document.get("name") or ""))[
        :200
    ]
    definition.texts_loaded_at = timezone.now()
    definition.save()
    definition.refresh_instrument()
    audit.record(actor, AuditAction.UPDATE, definition)
    return definition


def _check_client(actor: Actor, client: Client) -> None:
    if actor.clinic is None or client.clinic_id != actor.clinic.pk:
        raise ValidationError({"client": "This client belongs to another clinic."})


def _local_date(clinic: Clinic, when: dt.datetime) -> dt.date:
    try:
        zone = zoneinfo.ZoneInfo(clinic.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return timezone.localtime(when, zone).date()


@transaction.atomic
def record_response(
    *,
    actor: Actor,
    client: Client,
    definition: InstrumentDefinition,
    answers: Mapping[str, Any],
    occasion: str = Occasion.SESSION,
    session_number: int | None = None,
    completed_at: dt.datetime | None = None,
    condition: str = "",
) -> Response:
    """Store every answer; the engine computes the total on save. Alerts are raised here."""
    require(actor, "outcome.edit")
    _check_client(actor, client)
    return _store_response(
        actor,
        client,
        definition,
        answers,
        occasion=occasion,
        session_number=session_number,
        completed_at=completed_at,
        condition=condition,
    )


def _store_response(
    actor: Actor,
    client: Client,
    definition: InstrumentDefinition,
    answers: Mapping[str, Any],
    *,
    occasion: str,
    session_number: int | None = None,
    completed_at: dt.datetime | None = None,
    condition: str = "",
) -> Response:
    if definition.clinic_id != client.clinic_id:
        raise ValidationError({"definition": "Unknown instrument."})
    instrument = definition.instrument
    if instrument.scoring.method == "diary_per_28_days":
        raise ValidationError({"definition": "The headache diary is kept as daily entries."})
    if occasion not in Occasion.values:
        raise ValidationError({"occasion": f"Must be one of {', '.join(Occasion.values)}."})
    if condition and condition not in CONDITIONS:
        raise ValidationError({"condition": "Unknown condition."})
    when = completed_at or timezone.now()
    if timezone.is_naive(when):
        raise ValidationError({"completed_at": "Give a time zone."})
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"completed_at": "Cannot be in the future."})
    response = Response(
        clinic=client.clinic,
        client=client,
        definition=definition,
        answers=dict(answers),
        occasion=occasion,
        session_number=session_number,
        condition=condition or _default_condition(instrument.scoring.conditions),
        completed_at=when,
        entered_by=actor.user,
    )
    response.save()
    audit.record(actor, AuditAction.CREATE, response, clinic=client.clinic)
    _raise_alerts(actor, response)
    refresh_summary(client, instrument.key)
    return response


def _default_condition(conditions: tuple[str, ...]) -> str:
    return conditions[0] if conditions and conditions[0] != "any" else ""


def _raise_alerts(actor: Actor, response: Response) -> None:
    instrument = response.definition.instrument
    for alert in instrument.scoring.alerts:
        if alert.kind in response.alerts:
            raised = OutcomeAlert.objects.create(
                clinic=response.clinic,
                client=response.client,
                response=response,
                kind=alert.kind,
                message=alert.message[:300],
            )
            audit.record(actor, AuditAction.CREATE, raised, clinic=response.clinic)
            _notify_clinicians(response.clinic, raised)


def _notify_clinicians(clinic: Clinic, alert: OutcomeAlert) -> None:
    """E-mail the clinic's practitioners and owners that an alert waits; no health data in it."""
    recipients = sorted(
        set(
            Membership.objects.filter(
                clinic=clinic, role__in=(Role.OWNER, Role.PRACTITIONER), active=True
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    if not recipients:
        return
    path = reverse("web:client_outcomes", kwargs={"client_id": alert.client_id})
    body = (
        f"A safety alert was raised in {clinic.name} from a questionnaire answer.\n\n"
        f"Sign in to Sacrum to see it on the client's outcomes page: {settings.SITE_URL}{path}\n"
    )
    # Enqueued inside the transaction (database queue): the job exists only if the alert does.
    send_email.enqueue(
        subject="Sacrum: a safety alert needs your attention", body=body, to=recipients
    )


@transaction.atomic
def delete_response(*, actor: Actor, response: Response) -> None:
    """Remove a response entered by mistake; the audit log keeps that it existed."""
    require(actor, "outcome.edit")
    client, key = response.client, response.instrument_key
    audit.record(actor, AuditAction.DELETE, response)
    OutcomeAlert.objects.filter(response=response).update(response=None)
    response.delete()
    refresh_summary(client, key)


@transaction.atomic
def acknowledge_alert(*, actor: Actor, alert: OutcomeAlert) -> OutcomeAlert:
    require(actor, "outcome.edit")
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = actor.user
        alert.save(update_fields=("acknowledged_at", "acknowledged_by"))
        audit.record(actor, AuditAction.UPDATE, alert)
    return alert


# --- Diary ------------------------------------------------------------------------------

DIARY_FIELDS = ("date", "headache", "peak", "medication", "note")


def _validate_diary(entry: DiaryEntry) -> None:
    if entry.note:
        entry.note = entry.note.strip()
    if entry.peak is not None and not 0 <= entry.peak <= 10:
        raise ValidationError({"peak": "Peak intensity is from 0 to 10."})
    if not entry.headache and entry.peak:
        raise ValidationError({"peak": "A peak intensity belongs to a headache day."})
    if isinstance(entry.date, dt.date) and entry.date > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationError({"date": "A diary day cannot be in the future."})
    entry.full_clean(
        exclude=("client", "clinic"), validate_unique=False, validate_constraints=False
    )


@transaction.atomic
def add_diary_entry(*, actor: Actor, client: Client, data: Mapping[str, Any]) -> DiaryEntry:
    """One day of the diary; a second entry for the same day is a conflict (409)."""
    require(actor, "outcome.edit")
    _check_client(actor, client)
    unknown = sorted(set(data) - set(DIARY_FIELDS))
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in unknown})
    entry = DiaryEntry(clinic=client.clinic, client=client, **{k: data[k] for k in data})
    if entry.note is None:
        entry.note = ""
    _validate_diary(entry)
    if DiaryEntry.objects.filter(client=client, date=entry.date).exists():
        raise Conflict(
            "There is already a diary entry for that day.", {"date": "Already recorded."}
        )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise Conflict(
            "There is already a diary entry for that day.", {"date": "Already recorded."}
        ) from exc
    audit.record(actor, AuditAction.CREATE, entry)
    refresh_summary(client, DIARY_KEY)
    return entry


@transaction.atomic
def update_diary_entry(*, actor: Actor, entry: DiaryEntry, data: Mapping[str, Any]) -> DiaryEntry:
    require(actor, "outcome.edit")
    allowed = set(DIARY_FIELDS) - {"date"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    data = {name: "" if name == "note" and value is None else value for name, value in data.items()}
    refuse_nulls(entry, data)
    for name, value in data.items():
        setattr(entry, name, value)
    _validate_diary(entry)
    entry.save()
    audit.record(actor, AuditAction.UPDATE, entry)
    refresh_summary(entry.client, DIARY_KEY)
    return entry


@transaction.atomic
def delete_diary_entry(*, actor: Actor, entry: DiaryEntry) -> None:
    require(actor, "outcome.edit")
    client = entry.client
    audit.record(actor, AuditAction.DELETE, entry)
    entry.delete()
    refresh_summary(client, DIARY_KEY)


# --- Summaries --------------------------------------------------------------------------


def _store_summary(client: Client, key: str, values: SummaryValues) -> OutcomeSummary | None:
    if values.measurements == 0:
        OutcomeSummary.objects.filter(client=client, instrument_key=key).delete()
        return None
    summary, _ = OutcomeSummary.objects.update_or_create(
        client=client,
        instrument_key=key,
        defaults={
            "clinic_id": client.clinic_id,
            "condition": values.condition,
            "baseline_value": values.baseline_value,
            "baseline_on": values.baseline_on,
            "latest_value": values.latest_value,
            "latest_on": values.latest_on,
            "change": values.change,
            "improvement": values.improvement,
            "status": values.status,
            "responder": values.responder,
            "has_follow_up": values.has_follow_up,
            "measurements": values.measurements,
        },
    )
    return summary


def refresh_summary(client: Client, key: str) -> OutcomeSummary | None:
    """Recompute one client's summary for one measure from its stored data."""
    if key == DIARY_KEY:
        definition = (
            InstrumentDefinition.objects.filter(clinic_id=client.clinic_id, key=key)
            .order_by("-created_at")
            .first()
        )
        instrument = definition.instrument if definition else shipped_instruments()[key]
        days = [
            DiaryDay(day, headache, medication, peak)
            for day, headache, medication, peak in DiaryEntry.objects.filter(client=client)
            .order_by("date")
            .values_list("date", "headache", "medication", "peak")
        ]
        condition = (
            OutcomeSummary.objects.filter(client=client, condition__in=("migraine", "headache"))
            .exclude(instrument_key=key)
            .values_list("condition", flat=True)
            .first()
        ) or "headache"
        return _store_summary(client, key, summarize_diary(instrument, days, condition))

    rows = list(
        Response.objects.filter(client=client, instrument_key=key)
        .select_related("definition")
        .order_by("completed_at")
    )
    if not rows:
        return _store_summary(client, key, SummaryValues())
    instrument = rows[-1].definition.instrument
    clinic = client.clinic
    points = [
        Point(_local_date(clinic, r.completed_at), r.total, r.occasion, r.condition) for r in rows
    ]
    return _store_summary(client, key, summarize(instrument, points))
