"""Writes of the client portal: invite, join, revoke, and the client's own diary day.

Staff calls check ``client.edit`` (owner, practitioner, front desk): giving a client a
login to their own record is an administrative act, not a clinical one. The client's
own writes act as a ``portal_actor``: the client's user, no membership, channel
``portal``; the audit row names the clinic explicitly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction, User
from sacrum.clients.models import Client
from sacrum.clinics.mail import sender_of
from sacrum.kernel import capabilities
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Conflict, Forbidden
from sacrum.kernel.mail import Message, enqueue_message, message
from sacrum.kernel.permissions import require
from sacrum.outcomes.models import DiaryEntry
from sacrum.outcomes.services import DIARY_KEY, _validate_diary, refresh_summary
from sacrum.portal.models import PortalAccount
from sacrum.scheduling import links
from sacrum.scheduling.models import Appointment, ManageLink, SchedulingPolicy
from sacrum.scheduling.services import online

INVITATION_DAYS = 7
DIARY_BACKDATE_DAYS = 7


INVITATION_EMAIL = "sacrum.portal.services:invitation"


def join_url(raw: str) -> str:
    return f"{settings.SITE_URL}{reverse('web:portal_join', kwargs={'token': raw})}"


def portal_actor(account: PortalAccount, actor: Actor | None = None) -> Actor:
    """The client acting in the portal: their user, no membership (never staff rights)."""
    return capabilities.public_actor(
        user=account.user,
        ip=actor.ip if actor else None,
        user_agent=actor.user_agent if actor else "",
        via="portal",
    )


def _open_invitations() -> QuerySet[PortalAccount]:
    return PortalAccount.objects.filter(
        token_used_at__isnull=True, revoked_at__isnull=True, token_expires_at__gt=timezone.now()
    )


@message(INVITATION_EMAIL)
def _invitation_message(ref: str) -> Message | None:
    """Rendered by the worker: a fresh token for a still-open invitation, or nothing."""
    account = _open_invitations().select_related("client__clinic").filter(pk=ref).first()
    raw = capabilities.reissue(_open_invitations(), account.pk) if account else None
    if account is None or raw is None:
        return None
    clinic = account.client.clinic
    subject, body = _invitation_email(account.client, account, raw)
    return Message(
        subject=subject,
        body=body,
        to=[account.email],
        reply_to=[clinic.email] if clinic.email else None,
        sender=sender_of(clinic),
    )


def _invitation_email(client: Client, account: PortalAccount, raw: str) -> tuple[str, str]:
    clinic = client.clinic
    until = timezone.localtime(account.token_expires_at)
    subject = f"{clinic.name}: your own page for appointments and records"
    body = (
        f"Hello {client.preferred_name or client.first_name},\n\n"
        f"{clinic.name} has opened a personal page for you. There you can see your "
        "appointments, the consent you signed, your health-history answers, letters about "
        "you, your questionnaire results, and keep your headache diary.\n\n"
        f"Choose a password here (or link a login you already have):\n{join_url(raw)}\n\n"
        f"The link works once, until {until.day} {until:%B %Y}. It is personal: please do "
        "not forward it. If you did not expect this e-mail, you can ignore it.\n\n"
        f"{clinic.name}"
        + (f"\n{clinic.phone}" if clinic.phone else "")
        + (f"\n{clinic.email}" if clinic.email else "")
        + "\n"
    )
    return subject, body


@transaction.atomic
def invite(*, actor: Actor, client: Client) -> PortalAccount:
    """Invite the client to the portal by e-mail (to the address on their record).

    An open invitation is replaced (its token stops working); an active account is a
    conflict: revoke it first. The worker mints the link's token when it sends the e-mail.
    """
    require(actor, "client.edit")
    if actor.clinic is None or client.clinic_id != actor.clinic.pk:
        raise Forbidden("This client belongs to another clinic.")
    if client.archived:
        raise ValidationError({"client": "The client is archived."})
    email = (client.email or "").strip().lower()
    if not email:
        raise ValidationError({"email": "The client has no e-mail address. Add one first."})
    now = timezone.now()
    live = PortalAccount.objects.select_for_update().filter(client=client).live().first()
    if live is not None and live.activated_at is not None:
        raise Conflict("The client already has portal access. Revoke it first to invite again.")
    unsent = capabilities.placeholder()
    expires = now + dt.timedelta(days=INVITATION_DAYS)
    if live is not None:  # a fresh link replaces the one not taken up
        live.email, live.token_digest, live.token_expires_at = email, unsent, expires
        live.invited_by = actor.user
        live.save(update_fields=["email", "token_digest", "token_expires_at", "invited_by"])
        account = live
    else:
        try:
            with transaction.atomic():
                account = PortalAccount.objects.create(
                    clinic=client.clinic,
                    client=client,
                    email=email,
                    token_digest=unsent,
                    token_expires_at=expires,
                    invited_by=actor.user,
                )
        except IntegrityError as exc:  # raced with another invitation
            raise Conflict("Someone invited this client just now. Reload the page.") from exc
    audit.record(actor, AuditAction.CREATE, account)
    # Queued inside the transaction: the e-mail goes only if the invitation exists.
    enqueue_message(INVITATION_EMAIL, account.pk)
    return account


@transaction.atomic
def revoke(*, actor: Actor, account: PortalAccount) -> PortalAccount:
    """End the client's portal access (or an open invitation). The row stays as history."""
    require(actor, "client.edit")
    if actor.clinic is None or account.clinic_id != actor.clinic.pk:
        raise Forbidden("This account belongs to another clinic.")
    locked = PortalAccount.objects.select_for_update().get(pk=account.pk)
    if locked.revoked_at is not None:
        raise Conflict("Portal access was already revoked.")
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor.user
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(actor, AuditAction.DELETE, locked)
    return locked


def open_invitation(account_id: str | None) -> PortalAccount | None:
    """An open invitation by id: for the browser that opened its link and signs in first."""
    if not account_id:
        return None
    try:
        return _open_invitations().select_related("client", "clinic").filter(pk=account_id).first()
    except (ValueError, ValidationError):
        return None


def find_invitation(raw: str) -> PortalAccount | None:
    """The open invitation for a raw token, or None (unknown, used, revoked, expired alike)."""
    return capabilities.find(_open_invitations().select_related("client", "clinic"), raw)


@transaction.atomic
def accept(*, account: PortalAccount, user: User, actor: Actor) -> PortalAccount:
    """Link ``user`` to the invited client; the token is spent in the same step.

    The user's e-mail must be the invited address: whoever holds the link must also
    control that login. Claimed by one conditional UPDATE, so a token works once.
    """
    if user.email.lower() != account.email.lower():
        raise Forbidden(
            "This invitation was sent to another e-mail address. Sign in with that address."
        )
    now = timezone.now()
    if not capabilities.claim(
        PortalAccount.objects.filter(revoked_at__isnull=True),
        account.pk,
        used_field="token_used_at",
        expires_field="token_expires_at",
        now=now,
    ):
        raise Forbidden("This invitation link is no longer valid. Ask the clinic for a new one.")
    account.refresh_from_db()
    account.user, account.activated_at = user, now
    try:
        with transaction.atomic():
            account.save(update_fields=["user", "activated_at"])
    except IntegrityError as exc:
        raise Forbidden("This login is already linked to another record at this clinic.") from exc
    audit.record(portal_actor(account, actor), AuditAction.UPDATE, account, clinic=account.clinic)
    return account


@transaction.atomic
def join_with_new_account(*, account: PortalAccount, password: str, actor: Actor) -> PortalAccount:
    """Create the client's login (for exactly the invited e-mail), then accept.

    The e-mail counts as verified: the invitation link reached that inbox.
    """
    from allauth.account.models import EmailAddress

    email = account.email.lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError("A login with this e-mail already exists. Sign in first.")
    client = account.client
    probe = User(email=email, full_name=f"{client.first_name} {client.last_name}")
    try:
        validate_password(password, user=probe)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc
    user = User.objects.create_user(email=email, password=password, full_name=probe.full_name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return accept(account=account, user=user, actor=actor)


@transaction.atomic
def record_diary_day(
    *, account: PortalAccount, data: dict[str, Any], actor: Actor | None = None
) -> Any:
    """The client's own diary day; a second entry for the same day replaces the first.

    Same rules as the e-mailed diary link: no future days, at most a week back.
    """
    client = account.client
    day = data.get("date")
    today = timezone.localdate()
    if not isinstance(day, dt.date) or day < today - dt.timedelta(days=DIARY_BACKDATE_DAYS):
        raise ValidationError({"date": f"Choose a day in the last {DIARY_BACKDATE_DAYS} days."})
    entry = DiaryEntry.objects.select_for_update().filter(client=client, date=day).first()
    action = AuditAction.UPDATE if entry else AuditAction.CREATE
    entry = entry or DiaryEntry(clinic=client.clinic, client=client, date=day)
    entry.headache = bool(data.get("headache"))
    entry.peak = data.get("peak") if entry.headache else None
    entry.medication = bool(data.get("medication"))
    entry.note = str(data.get("note") or "")
    _validate_diary(entry)
    entry.save()
    audit.record(portal_actor(account, actor), action, entry, clinic=client.clinic)
    refresh_summary(client, DIARY_KEY)
    return entry


# --- Moving or cancelling a visit from the portal -------------------------------------

PORTAL_MANAGE_MINUTES = 30


@transaction.atomic
def manage_visit(*, account: PortalAccount, actor: Actor, appointment_id: Any) -> str:
    """A short-lived manage link for one of the client's own visits, for the same move
    and cancel pages (and rules) as the e-mailed link; the e-mailed link keeps working.

    Raises ``Forbidden`` when the visit is not theirs or can no longer be changed online."""
    appointment = (
        Appointment.objects.filter(client_id=account.client_id, pk=appointment_id)
        .select_related("clinic", "client")
        .first()
    )
    if appointment is None:
        raise Forbidden("This visit is not in your record.")
    policy = SchedulingPolicy.for_clinic(appointment.clinic_id)
    if not policy.online_booking_enabled or not online.can_change(appointment, policy):
        raise Forbidden(
            f"This visit can no longer be changed online. Please phone {appointment.clinic.name}"
            + (f" on {appointment.clinic.phone}." if appointment.clinic.phone else ".")
        )
    now = timezone.now()
    link = ManageLink.objects.create(
        appointment=appointment,
        token_digest=capabilities.placeholder(),
        sent_to=account.email,
        expires_at=min(appointment.start, now + dt.timedelta(minutes=PORTAL_MANAGE_MINUTES)),
    )
    token = links.reissue(ManageLink.objects.filter(pk=link.pk), link.pk, links.MANAGE)
    if token is None:  # pragma: no cover - the row was made just above
        raise Forbidden("This visit can no longer be changed online.")
    audit.record(actor, AuditAction.CREATE, link)
    return token
