"""Writes for screening: answers in, rules run, alerts opened and acted on. Each audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.changes import apply_changes
from sacrum.access.models import AuditAction
from sacrum.clients.models import Client
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.permissions import require
from sacrum.screening.engine import BLOCK, REFER, SEVERITY, Hit, evaluate
from sacrum.screening.models import (
    Acknowledgement,
    AlertStatus,
    Channel,
    CheckIn,
    ClientAlert,
    Firing,
    Intake,
    IntakeAmendment,
    MedicalAssessment,
    PhysicianClearance,
    Rule,
    Source,
)
from sacrum.screening.questions import CHECKIN, CLIENT_AGE, INTAKE, age_on, question_set

RULE_FIELDS = (
    "title",
    "question",
    "trigger_answers",
    "trigger_at_least",
    "requires_question",
    "requires_answers",
    "action",
    "urgent",
    "refer_when_unsure",
    "explanation",
    "source",
    "active",
)
CLEARANCE_TYPES = {"pdf", "png", "jpg", "jpeg"}
CLEARANCE_MAX_BYTES = 10 * 1024 * 1024
STAFF_CHANNELS = (Channel.STAFF, Channel.API)


def _clean_answers(set_name: str, answers: dict[str, Any]) -> dict[str, Any]:
    cleaned, errors = question_set(set_name).clean(answers)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _facts(client: Client, answers: dict[str, Any], on: dt.date) -> dict[str, Any]:
    """The answers plus what the record says (the age from the date of birth), for the rules."""
    return {**answers, CLIENT_AGE: age_on(client.date_of_birth, on)}


def _check_onset_age(client: Client, answers: dict[str, Any], on: dt.date) -> None:
    """An onset age above the client's age is a slip: ask again rather than screen on it."""
    onset = answers.get("hx_onset_age")
    age = age_on(client.date_of_birth, on)
    if isinstance(onset, int) and onset > age:
        raise ValidationError(
            {
                "hx_onset_age": f"This is more than your age today ({age}, from the date of "
                "birth the clinic has). Please check the age when your headaches started; "
                "if they started recently, give your age now."
            }
        )


def _active_rules(client: Client) -> list[Rule]:
    return list(Rule.objects.filter(clinic_id=client.clinic_id, active=True))


def _record_hits(
    actor: Actor,
    client: Client,
    hits: Iterable[Hit],
    *,
    intake: Intake | None = None,
    check_in: CheckIn | None = None,
) -> list[Firing]:
    """Store each hit as a firing, joining the rule's open alert or opening one."""
    hits = list(hits)
    if not hits:
        return []
    open_alerts = {
        alert.rule_id: alert
        for alert in ClientAlert.objects.select_for_update().filter(
            client=client, status=AlertStatus.OPEN, rule_id__in=[h.rule.pk for h in hits]
        )
    }
    firings = []
    for hit in hits:
        alert = open_alerts.get(hit.rule.pk)
        if alert is None:
            alert = ClientAlert.objects.create(
                client=client, rule=hit.rule, action=hit.action, urgent=hit.urgent
            )
            open_alerts[hit.rule.pk] = alert
            audit.record(actor, AuditAction.CREATE, alert, clinic=client.clinic)
        elif _escalates(alert, hit):
            # A "not sure" opened a referral; a later "yes" makes it what the rule says.
            alert.urgent = alert.urgent or hit.urgent
            if SEVERITY[hit.action] < SEVERITY.get(alert.action, 9):
                alert.action = hit.action
            alert.save(update_fields=["urgent", "action"])
            audit.record(actor, AuditAction.UPDATE, alert, clinic=client.clinic)
        firings.append(
            Firing(
                client=client,
                rule=hit.rule,
                alert=alert,
                source=Source.INTAKE if intake else Source.CHECKIN,
                intake=intake,
                check_in=check_in,
                question=hit.question,
                answer=str(hit.answer)[:200],
                action=hit.action,
            )
        )
    return Firing.objects.bulk_create(firings)


def _escalates(alert: ClientAlert, hit: Hit) -> bool:
    return (hit.urgent and not alert.urgent) or SEVERITY[hit.action] < SEVERITY.get(alert.action, 9)


def _store_intake(
    *, actor: Actor, client: Client, answers: dict[str, Any], via: str
) -> tuple[Intake, list[Firing]]:
    """Validate, store and screen an intake (the caller has already authorised it)."""
    cleaned = _clean_answers(INTAKE, answers)
    today = timezone.localdate()
    _check_onset_age(client, cleaned, today)
    intake = Intake.objects.create(
        client=client,
        version=question_set(INTAKE).version,
        answers=cleaned,
        via=via,
        submitted_by=actor.user,
    )
    audit.record(actor, AuditAction.CREATE, intake, clinic=client.clinic)
    hits = evaluate(_active_rules(client), _facts(client, cleaned, today))
    firings = _record_hits(actor, client, hits, intake=intake)
    return intake, firings


def _store_check_in(
    *, actor: Actor, client: Client, answers: dict[str, Any], via: str
) -> tuple[CheckIn, list[Firing]]:
    cleaned = _clean_answers(CHECKIN, answers)
    check_in = CheckIn.objects.create(
        client=client,
        version=question_set(CHECKIN).version,
        answers=cleaned,
        via=via,
        submitted_by=actor.user,
    )
    audit.record(actor, AuditAction.CREATE, check_in, clinic=client.clinic)
    hits = evaluate(_active_rules(client), _facts(client, cleaned, timezone.localdate()))
    return check_in, _record_hits(actor, client, hits, check_in=check_in)


@transaction.atomic
def submit_intake(
    *, actor: Actor, client: Client, answers: dict[str, Any], via: str = Channel.STAFF
) -> tuple[Intake, list[Firing]]:
    """A practitioner enters a client's intake (e.g. taken by phone)."""
    require(actor, "clinical.edit")
    return _store_intake(actor=actor, client=client, answers=answers, via=via)


@transaction.atomic
def record_check_in(
    *, actor: Actor, client: Client, answers: dict[str, Any], via: str = Channel.STAFF
) -> tuple[CheckIn, list[Firing]]:
    """A practitioner records the visit check-in with the client; screening re-runs."""
    require(actor, "clinical.edit")
    return _store_check_in(actor=actor, client=client, answers=answers, via=via)


@transaction.atomic
def amend_intake(*, actor: Actor, intake: Intake, answers: dict[str, Any], note: str) -> Intake:
    """Change some answers after talking with the client. Nothing changed, nothing written.

    Screening re-runs: newly triggered rules fire; an open alert that rested only on an
    answer now amended away is withdrawn (the record keeps both the firing and why).
    """
    require(actor, "clinical.edit")
    unknown = sorted(set(answers) - set(question_set(INTAKE, intake.version).by_key))
    if unknown:
        raise ValidationError({key: "This is not a question of this form." for key in unknown})
    merged = {**intake.answers, **answers}
    cleaned, errors = question_set(INTAKE, intake.version).clean(merged)
    if errors:
        raise ValidationError(errors)
    answered_on = timezone.localdate(intake.submitted_at)
    _check_onset_age(intake.client, cleaned, answered_on)
    keys = set(intake.answers) | set(cleaned)
    changes = {
        key: {"from": intake.answers.get(key), "to": cleaned.get(key)}
        for key in sorted(keys)
        if intake.answers.get(key) != cleaned.get(key)
    }
    if not changes:
        return intake
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {"note": "Say why the answers were changed (e.g. what the client said)."}
        )
    if len(note) > 2000:
        raise ValidationError({"note": "Keep the note under 2000 characters."})
    intake.answers = cleaned
    intake.amended_at = timezone.now()
    intake.save(update_fields=["answers", "amended_at"])
    assert actor.user is not None
    IntakeAmendment.objects.create(intake=intake, changes=changes, note=note, by=actor.user)
    audit.record(actor, AuditAction.UPDATE, intake)

    client = intake.client
    hits = evaluate(_active_rules(client), _facts(client, cleaned, answered_on))
    earlier = {f.rule_id: f.answer for f in intake.firings.all()}
    _record_hits(
        actor,
        client,
        [h for h in hits if earlier.get(h.rule.pk) != str(h.answer)[:200]],
        intake=intake,
    )
    still_firing = {h.rule.pk for h in hits}
    stale = (
        ClientAlert.objects.filter(client=client, status=AlertStatus.OPEN, firings__intake=intake)
        .exclude(rule_id__in=still_firing)
        .distinct()
    )
    for alert in stale:
        if not alert.firings.exclude(intake=intake).exists():
            _resolve(actor, alert, AlertStatus.WITHDRAWN)
    return intake


def _resolve(actor: Actor, alert: ClientAlert, status: str) -> None:
    alert.status = status
    alert.resolved_at = timezone.now()
    alert.resolved_by = actor.user
    alert.save(update_fields=["status", "resolved_at", "resolved_by"])
    audit.record(actor, AuditAction.UPDATE, alert)


def _lock_open(alert: ClientAlert) -> ClientAlert:
    locked = ClientAlert.objects.select_for_update().select_related("rule").get(pk=alert.pk)
    if locked.status != AlertStatus.OPEN:
        raise Conflict(f"This alert is already {locked.get_status_display().lower()}.")
    return locked


@transaction.atomic
def acknowledge(*, actor: Actor, alert: ClientAlert, note: str = "") -> Acknowledgement:
    """A practitioner acknowledges a warning (or decides a proposed referral is not needed).

    A block is never acknowledged away: it needs a physician's clearance.
    """
    require(actor, "clinical.edit")
    alert = _lock_open(alert)
    note = (note or "").strip()
    if alert.action == BLOCK:
        raise Conflict("A block needs a physician's clearance, not an acknowledgement.")
    if alert.urgent:
        raise Conflict(
            "An urgent finding needs a record that the client has been medically assessed, "
            "not an acknowledgement."
        )
    if alert.action == REFER and not note:
        raise ValidationError({"note": "Say why no referral letter is needed."})
    if len(note) > 2000:
        raise ValidationError({"note": "Keep the note under 2000 characters."})
    assert actor.user is not None
    ack = Acknowledgement.objects.create(alert=alert, by=actor.user, note=note)
    audit.record(actor, AuditAction.CREATE, ack)
    _resolve(actor, alert, AlertStatus.ACKNOWLEDGED)
    return ack


def _check_letter(letter: UploadedFile[bytes] | None) -> None:
    if letter is None:
        return
    suffix = (letter.name or "").rsplit(".", 1)[-1].lower()
    if suffix not in CLEARANCE_TYPES:
        raise ValidationError({"letter": "Upload a PDF, PNG or JPEG file."})
    if (letter.size or 0) > CLEARANCE_MAX_BYTES:
        raise ValidationError({"letter": "The file is larger than 10 MB."})


@transaction.atomic
def record_clearance(
    *,
    actor: Actor,
    alert: ClientAlert,
    physician_name: str,
    cleared_on: dt.date | None,
    note: str = "",
    letter: UploadedFile[bytes] | None = None,
) -> PhysicianClearance:
    """Record that a physician cleared the client; lifts the block."""
    require(actor, "clinical.edit")
    alert = _lock_open(alert)
    if alert.action != BLOCK:
        raise Conflict("Only a block needs a physician's clearance; acknowledge this one instead.")
    errors: dict[str, str] = {}
    physician_name = (physician_name or "").strip()
    note = (note or "").strip()
    if not physician_name:
        errors["physician_name"] = "Name the physician who cleared the client."
    elif len(physician_name) > 150:
        errors["physician_name"] = "Keep the name under 150 characters."
    if cleared_on is None:
        errors["cleared_on"] = "Give the date of the clearance."
    elif cleared_on > timezone.localdate():
        errors["cleared_on"] = "The clearance date cannot be in the future."
    if not note and letter is None:
        errors["note"] = "Add a note of what the physician said, or upload their letter."
    elif len(note) > 2000:
        errors["note"] = "Keep the note under 2000 characters."
    if errors:
        raise ValidationError(errors)
    _check_letter(letter)
    assert actor.user is not None and cleared_on is not None
    clearance = PhysicianClearance(
        alert=alert,
        physician_name=physician_name,
        cleared_on=cleared_on,
        note=note,
        recorded_by=actor.user,
    )
    if letter is not None:
        clearance.letter = letter
    clearance.save()
    audit.record(actor, AuditAction.CREATE, clearance)
    _resolve(actor, alert, AlertStatus.CLEARED)
    return clearance


@transaction.atomic
def record_assessment(
    *,
    actor: Actor,
    alert: ClientAlert,
    assessed_by: str,
    assessed_on: dt.date | None,
    outcome: str,
) -> MedicalAssessment:
    """Record that a client told to seek urgent care has been medically assessed.

    Only this lifts an urgent finding's hold on charting and booking (an urgent block
    needs a physician's clearance instead). Who assessed, when, and what they found.
    """
    require(actor, "clinical.edit")
    alert = _lock_open(alert)
    if not alert.urgent:
        raise Conflict("Only an urgent finding needs a medical assessment.")
    if alert.action == BLOCK:
        raise Conflict("This is a block: record the physician's clearance instead.")
    errors: dict[str, str] = {}
    assessed_by = (assessed_by or "").strip()
    outcome = (outcome or "").strip()
    if not assessed_by:
        errors["assessed_by"] = "Say who assessed the client (a doctor, a hospital, a service)."
    elif len(assessed_by) > 150:
        errors["assessed_by"] = "Keep this under 150 characters."
    if assessed_on is None:
        errors["assessed_on"] = "Give the date of the assessment."
    elif assessed_on > timezone.localdate():
        errors["assessed_on"] = "The assessment date cannot be in the future."
    if not outcome:
        errors["outcome"] = "Say what the assessment found or advised."
    elif len(outcome) > 2000:
        errors["outcome"] = "Keep the outcome under 2000 characters."
    if errors:
        raise ValidationError(errors)
    assert actor.user is not None and assessed_on is not None
    assessment = MedicalAssessment.objects.create(
        alert=alert,
        assessed_by=assessed_by,
        assessed_on=assessed_on,
        outcome=outcome,
        recorded_by=actor.user,
    )
    audit.record(actor, AuditAction.CREATE, assessment, clinic=alert.client.clinic)
    _resolve(actor, alert, AlertStatus.ASSESSED)
    return assessment


def _normalise_rule_data(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    for name in ("title", "question", "requires_question", "explanation", "source"):
        if isinstance(data.get(name), str):
            data[name] = data[name].strip()
    for name in ("trigger_answers", "requires_answers"):
        if isinstance(data.get(name), str):
            data[name] = [a.strip() for a in data[name].split(",") if a.strip()]
    return data


@transaction.atomic
def create_rule(*, actor: Actor, code: str, data: dict[str, Any]) -> Rule:
    """The owner adds a rule of their own."""
    require(actor, "clinic.manage")
    assert actor.clinic is not None
    code = (code or "").strip().lower()
    if Rule.objects.filter(clinic=actor.clinic, code=code).exists():
        raise ValidationError({"code": "This clinic already has a rule with this code."})
    rule = Rule(clinic=actor.clinic, code=code)
    apply_changes(rule, _normalise_rule_data(data), RULE_FIELDS)
    rule.save()
    audit.record(actor, AuditAction.CREATE, rule)
    return rule


@transaction.atomic
def update_rule(*, actor: Actor, rule: Rule, data: dict[str, Any]) -> Rule:
    """The owner edits a rule. Past firings keep the action they had when they fired."""
    require(actor, "clinic.manage")
    if apply_changes(rule, _normalise_rule_data(data), RULE_FIELDS):
        rule.save()
        audit.record(actor, AuditAction.UPDATE, rule)
    return rule
