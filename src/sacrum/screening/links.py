"""One-time links: the client fills the intake (or a check-in) without signing in.

Staff e-mail a link (7 days) or open one on the clinic's tablet (2 hours). Tokens come
from ``sacrum.access.capabilities``: only their digest is stored, an e-mailed link's
token is minted by the worker when it sends the e-mail (the queue holds the link's id),
and a link works for one submission: consent, details about the client, and the
answers are saved together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.clients import consent
from sacrum.clients.models import Client
from sacrum.clients.services import update_from_client
from sacrum.clinics.mail import sender_of
from sacrum.kernel import capabilities
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.mail import Message, enqueue_message, message
from sacrum.kernel.permissions import require
from sacrum.screening import services
from sacrum.screening.models import Channel, Firing, IntakeLink, Source

EMAIL_DAYS = 7
TABLET_HOURS = 2


INTAKE_EMAIL = "sacrum.screening.links:intake"


def link_path(raw: str) -> str:
    return reverse("web:public_form", kwargs={"token": raw})


def _open_links() -> QuerySet[IntakeLink]:
    return IntakeLink.objects.filter(
        used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


@message(INTAKE_EMAIL)
def _intake_email(ref: str) -> Message | None:
    """Rendered by the worker: a fresh token for a still-open e-mailed link, or nothing."""
    link = _open_links().select_related("client__clinic").filter(pk=ref, via="email").first()
    raw = capabilities.reissue(_open_links(), link.pk) if link else None
    if link is None or raw is None:
        return None
    subject, body = _email_body(link.client, link, f"{settings.SITE_URL}{link_path(raw)}")
    clinic = link.client.clinic
    return Message(
        subject=subject,
        body=body,
        to=[link.sent_to],
        reply_to=[clinic.email] if clinic.email else None,
        sender=sender_of(clinic),
    )


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
) -> tuple[IntakeLink, str | None]:
    """Make a link and, for ``email``, queue the e-mail. Returns the link and, for the
    tablet only, its raw token (to open at once); an e-mailed link's token exists only in
    the e-mail.

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
        capabilities.revoke(
            IntakeLink.objects.filter(
                client=client, purpose=purpose, via="email", used_at__isnull=True
            ),
            now=now,
        )
    minted = capabilities.mint() if via == "tablet" else None
    link = IntakeLink.objects.create(
        client=client,
        purpose=purpose,
        via=via,
        token_digest=minted.digest if minted else capabilities.placeholder(),
        sent_to=client.email if via == "email" else "",
        created_by=actor.user,
        expires_at=now
        + (timedelta(days=EMAIL_DAYS) if via == "email" else timedelta(hours=TABLET_HOURS)),
    )
    audit.record(actor, AuditAction.CREATE, link)
    if via == "email":
        # Queued inside the transaction: the e-mail goes only if the link exists.
        enqueue_message(INTAKE_EMAIL, link.pk)
    return link, minted.raw if minted else None


@transaction.atomic
def create_for_online_booking(*, actor: Actor, client: Client) -> IntakeLink:
    """An intake (with consent) link for a new client who just confirmed an online booking.

    No staff actor: the booking's e-mailed token proved the address. The link goes in
    the booking's confirmation e-mail, whose worker mints its token (``email_url``);
    earlier open e-mailed intake links of the client are revoked.
    """
    if not client.email:
        raise ValidationError({"email": "The client has no e-mail address."})
    now = timezone.now()
    capabilities.revoke(
        IntakeLink.objects.filter(
            client=client, purpose=Source.INTAKE, via="email", used_at__isnull=True
        ),
        now=now,
    )
    link = IntakeLink.objects.create(
        client=client,
        purpose=Source.INTAKE,
        via="email",
        token_digest=capabilities.placeholder(),
        sent_to=client.email,
        created_by=None,
        expires_at=now + timedelta(days=EMAIL_DAYS),
    )
    audit.record(actor, AuditAction.CREATE, link, clinic=client.clinic)
    return link


def email_url(link_id: str) -> tuple[str, IntakeLink] | None:
    """For the worker: a fresh token's address for a still-open e-mailed link, or ``None``."""
    link = _open_links().filter(pk=link_id, via="email").first()
    raw = capabilities.reissue(_open_links(), link.pk) if link else None
    if link is None or raw is None:
        return None
    return f"{settings.SITE_URL}{link_path(raw)}", link


@transaction.atomic
def revoke_link(*, actor: Actor, link: IntakeLink) -> IntakeLink:
    require(actor, "client.edit")
    if link.state != "open":
        raise Conflict(f"This link is already {link.state}.")
    capabilities.revoke(IntakeLink.objects.filter(pk=link.pk))
    link.refresh_from_db(fields=["revoked_at"])
    audit.record(actor, AuditAction.UPDATE, link)
    return link


def open_link(raw: str) -> IntakeLink | None:
    """The link for a raw token if it can still be used; ``None`` otherwise (never a reason)."""
    return capabilities.find(_open_links().select_related("client__clinic"), raw)


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


@transaction.atomic
def submit(*, link: IntakeLink, actor: Actor, data: PublicSubmission) -> PublicResult:
    """Save consent, details and answers from a link; the link is used up. All or nothing."""
    locked = IntakeLink.objects.select_for_update().select_related("client__clinic").get(pk=link.pk)
    if locked.state != "open":
        raise Conflict("This link is no longer valid.")
    client = locked.client
    # The client acting through their link: no membership, the request's origin.
    public = capabilities.public_actor(ip=actor.ip, user_agent=actor.user_agent, user=actor.user)
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
