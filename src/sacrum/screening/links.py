"""One-time links: the client fills the intake (or a check-in) without signing in.

Staff e-mail a link (7 days) or open one on the clinic's tablet (2 hours). The token
is random, only its digest is stored, and it works for one submission: consent,
details about the client, and the answers are saved together or not at all.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.actor import Actor
from sacrum.access.models import AuditAction
from sacrum.api.core import Conflict
from sacrum.clients import consent
from sacrum.clients.models import Client
from sacrum.clients.services import update_from_client
from sacrum.clinics.services import require
from sacrum.screening import services
from sacrum.screening.models import Channel, Firing, IntakeLink, Source
from sacrum.web.tasks import send_email

EMAIL_DAYS = 7
TABLET_HOURS = 2


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def link_path(raw: str) -> str:
    return reverse("web:public_form", kwargs={"token": raw})


def _email_body(client: Client, link: IntakeLink, url: str) -> tuple[str, str]:
    clinic = client.clinic
    what = "health history" if link.purpose == Source.INTAKE else "check-in before your visit"
    subject = f"{clinic.name}: please fill in your {what}"
    body = (
        f"Hello {client.preferred_name or client.first_name},\n\n"
        f"{clinic.name} asks you to fill in a short {what}, so your practitioner can make "
        "sure a session is right for you. It takes about ten minutes.\n\n"
        f"{url}\n\n"
        f"The link works once and until {timezone.localtime(link.expires_at):%d %B %Y}. "
        "It is personal: please do not forward it. If you did not expect this e-mail, you "
        "can ignore it.\n\n"
        f"{clinic.name}"
        + (f"\n{clinic.phone}" if clinic.phone else "")
        + (f"\n{clinic.email}" if clinic.email else "")
        + "\n"
    )
    return subject, body


@transaction.atomic
def create_link(
    *, actor: Actor, client: Client, purpose: str = Source.INTAKE, via: str = "email"
) -> tuple[IntakeLink, str]:
    """Make a link and, for ``email``, queue the e-mail. Returns the link and its raw token.

    A new e-mailed link replaces the client's earlier open e-mailed links of the same kind.
    """
    require(actor, "client.edit")
    if purpose not in Source.values:
        raise ValidationError({"purpose": "Choose intake or checkin."})
    if via not in ("email", "tablet"):
        raise ValidationError({"delivery": "Choose email or tablet."})
    if via == "email" and not client.email:
        raise ValidationError({"email": "The client has no e-mail address. Add one first."})
    now = timezone.now()
    if via == "email":
        IntakeLink.objects.filter(
            client=client,
            purpose=purpose,
            via="email",
            used_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=now)
    raw = secrets.token_urlsafe(32)
    link = IntakeLink.objects.create(
        client=client,
        purpose=purpose,
        via=via,
        token_digest=_digest(raw),
        sent_to=client.email if via == "email" else "",
        created_by=actor.user,
        expires_at=now
        + (timedelta(days=EMAIL_DAYS) if via == "email" else timedelta(hours=TABLET_HOURS)),
    )
    audit.record(actor, AuditAction.CREATE, link)
    if via == "email":
        subject, body = _email_body(client, link, f"{settings.SITE_URL}{link_path(raw)}")
        reply_to = [client.clinic.email] if client.clinic.email else None
        # Enqueued inside the transaction: the e-mail goes only if the link exists.
        send_email.enqueue(subject=subject, body=body, to=[client.email], reply_to=reply_to)
    return link, raw


@transaction.atomic
def revoke_link(*, actor: Actor, link: IntakeLink) -> IntakeLink:
    require(actor, "client.edit")
    if link.state != "open":
        raise Conflict(f"This link is already {link.state}.")
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    audit.record(actor, AuditAction.UPDATE, link)
    return link


def open_link(raw: str) -> IntakeLink | None:
    """The link for a raw token if it can still be used; ``None`` otherwise (never a reason)."""
    if not raw or len(raw) > 100:
        return None
    return (
        IntakeLink.objects.select_related("client__clinic")
        .filter(
            token_digest=_digest(raw),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


@dataclass
class PublicSubmission:
    """What the client sent from the link's form, each part validated by its own owner."""

    answers: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)
    consent: dict[str, Any] | None = None


@dataclass
class PublicResult:
    firings: list[Firing]
    urgent: bool
    signed: bool


def _public_actor(actor: Actor) -> Actor:
    """The client acting through their link: no user, the request's origin, channel 'link'."""
    return Actor(user=actor.user, member=None, ip=actor.ip, user_agent=actor.user_agent, via="link")


@transaction.atomic
def submit(*, link: IntakeLink, actor: Actor, data: PublicSubmission) -> PublicResult:
    """Save consent, details and answers from a link; the link is used up. All or nothing."""
    locked = IntakeLink.objects.select_for_update().select_related("client__clinic").get(pk=link.pk)
    if locked.state != "open":
        raise Conflict("This link is no longer valid.")
    client = locked.client
    public = _public_actor(actor)
    channel = Channel.TABLET if locked.via == "tablet" else Channel.LINK
    errors: dict[str, Any] = {}
    signed = False
    if data.consent is not None:
        text = consent.current_text(client.clinic_id)
        if text is None or str(text.pk) != str(data.consent.get("consent_text_id")):
            raise Conflict(
                "The consent text was updated while you were reading it. Please read it again."
            )
        try:
            with transaction.atomic():
                consent.store_signature(
                    actor=public,
                    client=client,
                    text=text,
                    typed_name=data.consent.get("typed_name", ""),
                    agreed=data.consent.get("agreed") is True,
                    drawn_signature=data.consent.get("drawn_signature", ""),
                    via=str(channel),
                )
                signed = True
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if data.details:
        try:
            with transaction.atomic():
                update_from_client(actor=public, client=client, data=data.details)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        with transaction.atomic():
            store = (
                services._store_intake
                if locked.purpose == Source.INTAKE
                else services._store_check_in
            )
            _row, firings = store(actor=public, client=client, answers=data.answers, via=channel)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        firings = []
    if errors:  # raising rolls back whatever parts were already stored
        raise ValidationError(errors)
    locked.used_at = timezone.now()
    locked.save(update_fields=["used_at"])
    audit.record(public, AuditAction.UPDATE, locked, clinic=client.clinic)
    return PublicResult(firings=firings, urgent=any(f.alert.urgent for f in firings), signed=signed)
