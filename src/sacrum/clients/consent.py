"""Consent: the clinic's versioned text, clients' signatures, withdrawals, and the check
other capabilities call (``has_current_consent``). Writes are audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.clients.models import Client, ConsentSignature, ConsentText, ConsentWithdrawal
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.permissions import require

DEFAULT_TITLE = "Consent to sessions and to keeping your records"
DEFAULT_BODY = """\
Craniosacral therapy is a light-touch manual therapy. In a session you lie down, usually face up and fully clothed, and your practitioner rests their hands gently on your head, back, sacrum or elsewhere. A session lasts up to an hour.

Research on craniosacral therapy is mixed: some studies report small benefits for some kinds of pain, others find none. We make no promise that sessions will treat or cure any condition. Sessions do not replace medical care: please keep seeing your doctor about your health, and do not stop or change any treatment without asking them.

For your safety we ask about your health before your first session and check in with you before each visit. If something you tell us should be looked at by a doctor first, we will say so, may not go ahead with a session until a doctor has seen you, and may write to your doctor with your knowledge.

You can ask questions at any time, ask your practitioner to change what they are doing or to stop, and end a session whenever you wish. You can withdraw this consent at any time by telling us; it does not affect anything that happened before.

We keep a record of your contact details, your health answers, notes of each session and any questionnaires you fill in. Only the clinic's staff who need them can see them; front-desk staff do not see your health information. You can ask for a copy of your record. We keep records for as long as the law requires and then delete them.

By signing, you confirm that you have read this, have had the chance to ask questions, and agree to have sessions and to us keeping these records."""

CHANNELS = ("link", "tablet", "staff", "api", "portal")


def install_default_text(clinic_id: Any, text_model: Any = None) -> bool:
    """Give a clinic a first consent text if it has none (new clinics and the migration)."""
    text_model = text_model or ConsentText
    if text_model.objects.filter(clinic_id=clinic_id).exists():
        return False
    text_model.objects.create(
        clinic_id=clinic_id,
        version=1,
        title=DEFAULT_TITLE,
        body=DEFAULT_BODY,
        requires_new_signature=True,
    )
    return True


def current_text(clinic_id: Any) -> ConsentText | None:
    """The consent text clients sign now: the clinic's latest version."""
    return ConsentText.objects.filter(clinic_id=clinic_id).order_by("-version").first()


def _oldest_acceptable_version(clinic_id: Any) -> int:
    found = ConsentText.objects.filter(clinic_id=clinic_id, requires_new_signature=True).aggregate(
        v=Max("version")
    )["v"]
    return int(found or 1)


def current_signature(client: Client) -> ConsentSignature | None:
    """The client's signature that still counts: not withdrawn, and of a version new enough."""
    return (
        ConsentSignature.objects.filter(
            client=client,
            withdrawal__isnull=True,
            text__version__gte=_oldest_acceptable_version(client.clinic_id),
        )
        .select_related("text")
        .order_by("-signed_at")
        .first()
    )


def has_current_consent(client: Client) -> bool:
    """Whether the client has a signed, unwithdrawn consent of a version still accepted."""
    return current_signature(client) is not None


def consent_state(client: Client) -> str:
    """``current``, ``outdated`` (a newer version needs signing), ``withdrawn`` or ``none``."""
    if has_current_consent(client):
        return "current"
    signatures = list(
        ConsentSignature.objects.filter(client=client).select_related("withdrawal")[:20]
    )
    if not signatures:
        return "none"
    if all(s.withdrawn for s in signatures):
        return "withdrawn"
    return "outdated"


@transaction.atomic
def publish_text(
    *, actor: Actor, title: str, body: str, requires_new_signature: bool = True
) -> ConsentText:
    """The owner edits the consent text: always a new version; older signatures keep theirs."""
    require(actor, "clinic.manage")
    assert actor.clinic is not None
    title, body = (title or "").strip(), (body or "").strip().replace("\r\n", "\n")
    current = current_text(actor.clinic.pk)
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Give the consent a title."
    if len(body) < 50:
        errors["body"] = "The consent text is too short to tell a client what they agree to."
    if current is not None and current.title == title and current.body == body:
        errors["body"] = "This is the same as the current version; nothing to publish."
    if errors:
        raise ValidationError(errors)
    text = ConsentText(
        clinic=actor.clinic,
        version=(current.version + 1) if current else 1,
        title=title,
        body=body,
        requires_new_signature=requires_new_signature or current is None,
        created_by=actor.user,
    )
    text.full_clean()
    try:
        with transaction.atomic():
            text.save()
    except IntegrityError as exc:  # two owners published at once
        raise Conflict("Someone published a new version just now. Reload and try again.") from exc
    audit.record(actor, AuditAction.CREATE, text)
    return text


def store_signature(
    *,
    actor: Actor,
    client: Client,
    text: ConsentText,
    typed_name: str,
    agreed: bool,
    drawn_signature: str = "",
    via: str,
) -> ConsentSignature:
    """Validate and store a signature (the caller has authorised who is signing)."""
    if via not in CHANNELS:
        raise ValueError(f"unknown channel {via!r}")
    errors: dict[str, str] = {}
    typed_name = " ".join((typed_name or "").split())
    if not typed_name:
        errors["typed_name"] = "Type your full name to sign."
    elif len(typed_name) > 200:
        errors["typed_name"] = "Keep the name under 200 characters."
    if agreed is not True:
        errors["agreed"] = "Tick the box to confirm you agree."
    if errors:
        raise ValidationError(errors)
    if text.clinic_id != client.clinic_id:
        raise ValidationError({"consent_text_id": "This consent text is not your clinic's."})
    latest = current_text(client.clinic_id)
    if latest is None or latest.pk != text.pk:
        raise Conflict(
            "The consent text was updated while you were reading it. Please read the new "
            "version and sign again.",
            {"consent_text_id": "Not the current version."},
        )
    signature = ConsentSignature(
        client=client,
        text=text,
        typed_name=typed_name,
        agreed=True,
        drawn_signature=(drawn_signature or "").strip(),
        ip=actor.ip,
        user_agent=actor.user_agent,
        via=via,
        recorded_by=actor.user,
    )
    signature.full_clean()
    signature.save()
    audit.record(actor, AuditAction.SIGN, signature, clinic=client.clinic)
    return signature


@transaction.atomic
def sign_in_person(
    *,
    actor: Actor,
    client: Client,
    text: ConsentText,
    typed_name: str,
    agreed: bool,
    drawn_signature: str = "",
    via: str = "tablet",
) -> ConsentSignature:
    """The client signs on the clinic's device, handed to them by staff."""
    require(actor, "client.edit")
    return store_signature(
        actor=actor,
        client=client,
        text=text,
        typed_name=typed_name,
        agreed=agreed,
        drawn_signature=drawn_signature,
        via=via,
    )


@transaction.atomic
def withdraw(*, actor: Actor, signature: ConsentSignature, reason: str = "") -> ConsentWithdrawal:
    """Record that the client withdrew their consent; the signature stays on the record."""
    require(actor, "client.edit")
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ValidationError({"reason": "Keep the reason under 2000 characters."})
    locked = ConsentSignature.objects.select_for_update().get(pk=signature.pk)
    if ConsentWithdrawal.objects.filter(signature=locked).exists():
        raise Conflict("This consent has already been withdrawn.")
    withdrawal = ConsentWithdrawal.objects.create(
        signature=locked, reason=reason, recorded_by=actor.user, via=actor.via
    )
    audit.record(actor, AuditAction.UPDATE, signature)
    return withdrawal
