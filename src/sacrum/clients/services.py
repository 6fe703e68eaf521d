"""Writes for client records: role-checked, validated, audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.changes import apply_changes
from sacrum.access.models import AuditAction
from sacrum.clients.models import CLINICAL_FIELDS, Client
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Locked
from sacrum.kernel.permissions import require

DEMOGRAPHIC_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "email",
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "physician_name",
    "physician_practice",
    "physician_phone",
    "physician_email",
    "preferred_language",
    "referral_source",
    "archived",
)
TEXT_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "pronouns",
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "physician_name",
    "physician_practice",
    "physician_phone",
    "preferred_language",
    "goals",
    "presenting_concerns",
)
MAX_AGE_YEARS = 130


def _editable_fields(actor: Actor) -> tuple[str, ...]:
    """The front desk edits demographics only; clinical roles also the clinical fields."""
    return DEMOGRAPHIC_FIELDS + (CLINICAL_FIELDS if actor.can("clinical.edit") else ())


def _check_date_of_birth(client: Client) -> None:
    dob = client.date_of_birth
    if not isinstance(dob, date):
        return
    today = timezone.localdate()
    if dob > today:
        raise ValidationError({"date_of_birth": "The date of birth cannot be in the future."})
    if today.year - dob.year > MAX_AGE_YEARS:
        raise ValidationError(
            {"date_of_birth": f"The date of birth is more than {MAX_AGE_YEARS} years ago."}
        )


def _validate(client: Client, data: dict[str, Any], actor: Actor) -> list[str]:
    for name in TEXT_FIELDS:
        if isinstance(data.get(name), str):
            data[name] = data[name].strip()
    for name in ("email", "physician_email"):
        if isinstance(data.get(name), str):
            data[name] = data[name].strip().lower()
    if data.get("conditions") is None and "conditions" in data:
        data["conditions"] = []
    changed = apply_changes(client, data, _editable_fields(actor))
    _check_date_of_birth(client)
    return changed


@transaction.atomic
def create_client(*, actor: Actor, data: dict[str, Any]) -> Client:
    require(actor, "client.edit")
    client = Client(clinic=actor.clinic)
    _validate(client, dict(data), actor)
    client.save()
    audit.record(actor, AuditAction.CREATE, client)
    return client


@transaction.atomic
def update_client(*, actor: Actor, client: Client, data: dict[str, Any]) -> Client:
    require(actor, "client.edit")
    if client.erased_at is not None:
        raise Locked("This client has been erased; the record cannot be changed.")
    if _validate(client, dict(data), actor):
        client.save()
    audit.record(actor, AuditAction.UPDATE, client)
    return client


SELF_REPORTED_FIELDS = (
    "preferred_language",
    "referral_source",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "physician_name",
    "physician_practice",
    "physician_phone",
    "physician_email",
    "conditions",
    "goals",
)


def update_from_client(*, actor: Actor, client: Client, data: dict[str, Any]) -> list[str]:
    """What the client told us about themselves in the intake (authorised by their link).

    Only the fields a client may state, and only those they filled in: an empty answer
    never erases what the clinic already has. Returns the fields that changed.
    """
    given = {k: v for k, v in data.items() if k in SELF_REPORTED_FIELDS and v not in ("", None, [])}
    if not given:
        return []
    for name in TEXT_FIELDS:
        if isinstance(given.get(name), str):
            given[name] = given[name].strip()
    if isinstance(given.get("physician_email"), str):
        given["physician_email"] = given["physician_email"].strip().lower()
    changed = apply_changes(client, given, SELF_REPORTED_FIELDS)
    if changed:
        client.save(update_fields=[*changed, "updated_at"])
        audit.record(actor, AuditAction.UPDATE, client, clinic=client.clinic)
    return changed
