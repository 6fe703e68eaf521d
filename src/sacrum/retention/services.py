"""Writes: the clinic's retention rule, erasing a client, and ending holds that are due."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.changes import apply_changes
from sacrum.access.models import AuditAction
from sacrum.billing.models import ClientDiagnosis
from sacrum.charting.models import SessionNote
from sacrum.clients.models import Client, ConsentSignature, ConsentWithdrawal
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Forbidden
from sacrum.kernel.permissions import require
from sacrum.plans.models import Measurement, Plan, PlanGoal, PlanReview
from sacrum.retention import erasure, expiry, rules
from sacrum.retention.models import PRESETS, Erasure, Preset, Reason, RetentionPolicy
from sacrum.screening.models import CheckIn, ClientAlert, Intake, ReferralLetter

POLICY_FIELDS = ("preset", "years_after_last_contact", "age_of_majority", "years_after_majority")
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PURGE_BATCH = 50


@transaction.atomic
def update_policy(*, actor: StaffActor, data: Mapping[str, Any]) -> RetentionPolicy:
    """Set the clinic's rule; a preset fills in its numbers (``custom`` takes them as given)."""
    require(actor, "clinic.manage")
    policy = RetentionPolicy.for_clinic(actor.clinic.pk)
    values = dict(data)
    preset = values.get("preset", policy.preset)
    if preset in PRESETS:
        years, majority, after = PRESETS[preset]
        values.update(
            years_after_last_contact=years, age_of_majority=majority, years_after_majority=after
        )
    if apply_changes(policy, values, POLICY_FIELDS) or policy.pk is None or policy._state.adding:
        policy.save()
    audit.record(actor, AuditAction.UPDATE, policy)
    return policy


def _reference() -> str:
    return "E-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def confirmation_matches(client: Client, typed: str) -> bool:
    """The owner typed the client's name (first and last, any case and spacing)."""
    wanted = f"{client.first_name} {client.last_name}".split()
    return [w.casefold() for w in typed.split()] == [w.casefold() for w in wanted]


@transaction.atomic
def erase_client(*, actor: StaffActor, client: Client, reason: str, confirmation: str) -> Erasure:
    """Erase ``client`` now; hold their clinical record until the clinic's rule lets it go.

    Owner only. Erasing an erased client again changes nothing and returns the erasure.
    The audit entry carries the pseudonymous reference and the reason category, no name.
    """
    require(actor, "client.erase")
    if client.clinic_id != actor.clinic.pk:
        raise Forbidden("This client is not in your clinic.")
    locked = Client.objects.select_for_update().get(pk=client.pk)
    existing = Erasure.objects.filter(client=locked).first()
    if existing is not None:
        return existing
    if reason not in Reason.values:
        raise ValidationError({"reason": f"Choose a reason: {', '.join(Reason.values)}."})
    if not confirmation_matches(locked, confirmation):
        raise ValidationError(
            {"confirmation": "Type the client's first and last name exactly to confirm."}
        )
    now = timezone.now()
    today = timezone.localdate(now)
    contact = rules.last_contact(locked, today)
    policy = RetentionPolicy.for_clinic(locked.clinic_id)
    record = Erasure(
        clinic_id=locked.clinic_id,
        client=locked,
        reference=_reference(),
        reason=reason,
        erased_by=actor.member,
        erased_at=now,
        last_contact=contact,
        retained_until=rules.retained_until(policy, locked.date_of_birth, contact),
        retained_name=f"{locked.first_name} {locked.last_name}",
        retained_date_of_birth=locked.date_of_birth,
        held=erasure.held_counts(locked),
    )
    erasure.pseudonymise(locked, reference=record.reference, now=now)
    record.save()
    audit.record(
        actor,
        AuditAction.DELETE,
        object_type=f"client_erasure:{reason}",
        object_id=record.reference,
    )
    return record


def _remove_held_record(record: Erasure) -> None:
    """Everything retention kept for one client, then the identity the hold carried."""
    client_id = record.client_id
    prepared = SessionNote._meta.get_field("client").get_db_prep_value(client_id, connection)
    expiry.remove_signed_record(prepared)
    expiry.scrub_invoices(prepared, f"Erased client {record.reference}")
    ConsentWithdrawal.objects.filter(signature__client_id=client_id).delete()
    ConsentSignature.objects.filter(client_id=client_id).delete()
    for letter in ReferralLetter.objects.filter(client_id=client_id):
        if letter.pdf:
            letter.pdf.delete(save=False)
    ReferralLetter.objects.filter(client_id=client_id).delete()
    for alert in ClientAlert.objects.filter(client_id=client_id).select_related("clearance"):
        clearance = getattr(alert, "clearance", None)
        if clearance is not None and clearance.letter:
            clearance.letter.delete(save=False)
    ClientAlert.objects.filter(client_id=client_id).delete()
    Intake.objects.filter(client_id=client_id).delete()
    ClientDiagnosis.objects.filter(client_id=client_id).delete()
    CheckIn.objects.filter(client_id=client_id).delete()
    plans = Plan.objects.filter(client_id=client_id)
    plans.update(discharge_summary="")
    PlanGoal.objects.filter(plan__in=plans).update(text="(erased)")
    PlanReview.objects.filter(plan__in=plans).update(note="")
    Measurement.objects.filter(client_id=client_id).update(problem="")
    Erasure.objects.filter(pk=record.pk).update(
        retained_name="", retained_date_of_birth=None, purged_at=timezone.now()
    )


def purge_due(now: dt.datetime) -> int:
    """End every hold whose retention period is over; returns how many. Idempotent."""
    today = timezone.localdate(now)
    due = list(
        Erasure.objects.held()
        .filter(retained_until__lt=today)
        .order_by("retained_until")[:PURGE_BATCH]
    )
    ended = 0
    for record in due:
        with transaction.atomic():
            fresh = Erasure.objects.select_for_update().get(pk=record.pk)
            if fresh.purged_at is not None or fresh.retained_until >= today:
                continue  # another worker ended it meanwhile
            _remove_held_record(fresh)
            audit.record(
                Actor.system(via="worker"),
                AuditAction.DELETE,
                object_type="client_erasure_hold_ended",
                object_id=fresh.reference,
                clinic=fresh.clinic,
            )
        ended += 1
    return ended


__all__ = ["Preset", "erase_client", "purge_due", "update_policy"]
