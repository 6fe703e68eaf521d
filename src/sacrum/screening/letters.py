"""Referral letters: drafted from the record, edited by the practitioner, then sent or printed.

The draft names the rules that fired with the client's own answers, relevant history,
sessions so far and outcome scores. Finalising stores the PDF that leaves the clinic
(with its SHA-256) and settles the referral alerts it answers; blocks stay until a
physician's clearance is recorded, urgent findings until a medical assessment is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.changes import apply_changes
from sacrum.access.models import AuditAction
from sacrum.clients.models import Client
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.mail import send_email
from sacrum.kernel.permissions import require
from sacrum.screening.engine import BLOCK, REFER
from sacrum.screening.models import (
    AlertStatus,
    CheckIn,
    ClientAlert,
    Intake,
    LetterStatus,
    ReferralLetter,
)
from sacrum.screening.pdf import letter_pdf

LETTERS_ONLY = "Referral letters are for practitioners and owners only."
EDITABLE = (
    "letter_date",
    "recipient_name",
    "recipient_practice",
    "recipient_email",
    "subject",
    "reason",
    "history",
    "sessions",
    "outcomes",
    "request",
)
HISTORY_QUESTIONS = (("medications", "Medicines"), ("other_conditions", "Other health matters"))


def _date(value: Any) -> str:
    return f"{value:%d %B %Y}".lstrip("0")


def reason_text(alerts: list[ClientAlert]) -> str:
    lines = []
    for alert in alerts:
        firing = alert.firings.order_by("-fired_at").first()
        if firing is None:
            continue
        lines.append(
            f"- {alert.rule.title}. Asked “{firing.question_text}”, the client answered "
            f"“{firing.answer_label}” ({firing.get_source_display().lower()}, "
            f"{_date(timezone.localtime(firing.fired_at))})."
        )
    return "\n".join(lines)


def history_text(client: Client) -> str:
    parts = []
    if client.condition_labels:
        parts.append("Comes for: " + ", ".join(client.condition_labels).lower() + ".")
    if client.presenting_concerns:
        parts.append(f"In their words: “{client.presenting_concerns}”")
    intake = Intake.objects.filter(client=client).first()
    if intake is not None:
        for key, label in HISTORY_QUESTIONS:
            if intake.answers.get(key):
                parts.append(f"{label}, in their words: “{intake.answers[key]}”")
        if intake.answers.get("headaches") == "yes" and intake.answers.get("hx_onset_age"):
            parts.append(f"Headaches since the age of {intake.answers['hx_onset_age']}.")
    check_in = CheckIn.objects.filter(client=client).first()
    if check_in is not None and check_in.pain is not None:
        when = _date(timezone.localtime(check_in.submitted_at))
        parts.append(f"Pain at the last check-in ({when}): {check_in.pain} out of 10.")
    return "\n".join(parts)


LetterPart = Callable[[Client], str]
_parts: dict[str, LetterPart] = {}


def contribute(section: str, writer: LetterPart) -> None:
    """Let an app above screening write one section of a draft letter ("sessions",
    "outcomes"); each registers its writer when Django starts, so screening imports
    neither scheduling nor outcomes."""
    if section not in ("sessions", "outcomes"):
        raise ValueError(f"a letter has no {section!r} section to contribute")
    _parts[section] = writer


def part_text(section: str, client: Client) -> str:
    """The contributed section for this client, or nothing."""
    writer = _parts.get(section)
    return writer(client) if writer else ""


def request_text(client: Client, alerts: list[ClientAlert]) -> str:
    name = client.preferred_name or client.first_name
    parts = []
    if any(a.urgent for a in alerts):
        parts.append(f"We have advised {name} to seek urgent medical care today.")
    if any(a.action == BLOCK for a in alerts):
        parts.append(
            f"Please let us know whether very light-touch manual therapy to the head and back is "
            f"safe for {name} at present. We will not see {name} for a session until we hear from you."
        )
    if any(a.action == REFER for a in alerts):
        parts.append(
            f"Please would you assess {name} for the points above. We have told {name} that we "
            "are writing to you."
        )
    return "\n\n".join(parts) or f"Please would you review the points above about {name}."


@transaction.atomic
def draft_letter(
    *, actor: StaffActor, client: Client, alerts: list[ClientAlert] | None = None
) -> ReferralLetter:
    """A draft from the record: by default about every open block and referral."""
    require(actor, "clinical.edit")
    if alerts is None:
        alerts = list(
            ClientAlert.objects.filter(
                client=client, status=AlertStatus.OPEN, action__in=(BLOCK, REFER)
            ).select_related("rule")
        )
    if any(a.client_id != client.pk for a in alerts):
        raise ValidationError({"alerts": "Every alert must be this client's."})
    letter = ReferralLetter(
        client=client,
        author=actor.member,
        letter_date=timezone.localdate(),
        recipient_name=client.physician_name or "Dr",
        recipient_practice=client.physician_practice,
        recipient_email=client.physician_email,
        subject=f"Referral: {client.first_name} {client.last_name}, born {_date(client.date_of_birth)}",
        reason=reason_text(alerts),
        history=history_text(client),
        sessions=part_text("sessions", client),
        outcomes=part_text("outcomes", client),
        request=request_text(client, alerts),
        urgent=any(a.urgent for a in alerts),
    )
    letter.full_clean()
    letter.save()
    letter.alerts.set(alerts)
    audit.record(actor, AuditAction.CREATE, letter)
    return letter


@transaction.atomic
def update_letter(*, actor: Actor, letter: ReferralLetter, data: dict[str, Any]) -> ReferralLetter:
    require(actor, "clinical.edit")
    if not letter.is_draft:
        raise Conflict("This letter was sent or printed; it can no longer change.")
    data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    if "recipient_email" in data and isinstance(data["recipient_email"], str):
        data["recipient_email"] = data["recipient_email"].lower()
    if apply_changes(letter, data, EDITABLE):
        letter.save()
        audit.record(actor, AuditAction.UPDATE, letter)
    return letter


@transaction.atomic
def finalize(*, actor: Actor, letter: ReferralLetter, how: str) -> ReferralLetter:
    """Send (``email``: to the recipient's address, through the worker) or ``print``.

    Stores the PDF exactly as it left, settles the referral alerts it answers.
    """
    require(actor, "clinical.edit")
    locked = ReferralLetter.objects.select_for_update().get(pk=letter.pk)
    if not locked.is_draft:
        raise Conflict("This letter was already sent or printed.")
    if how not in ("email", "print"):
        raise ValidationError({"how": "Choose email or print."})
    if not locked.reason.strip():
        raise ValidationError({"reason": "Say why you are writing before the letter leaves."})
    if how == "email" and not locked.recipient_email:
        raise ValidationError({"recipient_email": "Add the physician's e-mail address to send it."})
    locked.status = LetterStatus.SENT if how == "email" else LetterStatus.PRINTED
    locked.finalized_at = timezone.now()
    locked.sent_to = locked.recipient_email if how == "email" else ""
    content = letter_pdf(locked, final=True)
    locked.pdf_sha256 = hashlib.sha256(content).hexdigest()
    locked.pdf.save(f"{locked.pk}.pdf", ContentFile(content), save=False)
    # The row is still a draft in the database, so this one save is allowed.
    locked.save()
    # An urgent finding stays open: only a recorded medical assessment settles it.
    for alert in locked.alerts.filter(status=AlertStatus.OPEN, action=REFER, urgent=False):
        alert.status = AlertStatus.REFERRED
        alert.resolved_at = locked.finalized_at
        alert.resolved_by = actor.user
        alert.save(update_fields=["status", "resolved_at", "resolved_by"])
        audit.record(actor, AuditAction.UPDATE, alert)
    audit.record(actor, AuditAction.EXPORT, locked)
    if how == "email":
        clinic = locked.client.clinic
        send_email.enqueue(
            subject=f"Referral letter from {clinic.name}",
            body=(
                f"Dear {locked.recipient_name},\n\nPlease find attached a referral letter from "
                f"{clinic.name} about a person in your care. It contains health information: "
                "if you are not the intended recipient, please delete this e-mail and let us "
                f"know.\n\n{locked.author.user.display_name}\n{clinic.name}"
                + (f"\n{clinic.phone}" if clinic.phone else "")
                + "\n"
            ),
            to=[locked.recipient_email],
            reply_to=[e for e in (clinic.email or locked.author.user.email,) if e],
            attachments=[
                {
                    "storage_name": locked.pdf.name,  # type: ignore[dict-item]  # saved above
                    "filename": f"referral-{locked.letter_date:%Y-%m-%d}.pdf",
                    "mimetype": "application/pdf",
                }
            ],
        )
    return locked
