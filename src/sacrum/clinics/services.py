"""Writes for clinics, places and people. Each checks the actor's role and audits."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from sacrum.access import audit
from sacrum.access.accounts import mark_email_verified
from sacrum.access.changes import apply_changes
from sacrum.access.models import AuditAction, User
from sacrum.access.roles import Role
from sacrum.access.tokens import revoke_tokens_of
from sacrum.clinics.guards import currency_change_refused
from sacrum.clinics.mail import sender_of
from sacrum.clinics.models import (
    Clinic,
    Credential,
    Invitation,
    Location,
    Membership,
    PractitionerProfile,
    Profession,
    Room,
    VerificationState,
)
from sacrum.kernel import capabilities
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Forbidden
from sacrum.kernel.mail import Message, enqueue_message, message
from sacrum.kernel.permissions import require

CLINIC_FIELDS = (
    "name",
    "time_zone",
    "email",
    "phone",
    "website",
    "require_staff_mfa",
    "currency",
    "directory_enabled",
    "public_description",
)
LOCATION_FIELDS = (
    "name",
    "address_line",
    "city",
    "postal_code",
    "country",
    "time_zone",
    "phone",
    "active",
    "latitude",
    "longitude",
)
ROOM_FIELDS = ("name", "active")
PROFILE_FIELDS = ("display_name", "profession", "bio", "languages", "listed_publicly")
CREDENTIAL_FIELDS = (
    "issuing_body",
    "title",
    "level",
    "registration_number",
    "issued_on",
    "expires_on",
)
INVITATION_DAYS = 7
EVIDENCE_TYPES = {"pdf", "png", "jpg", "jpeg"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "clinic"
    slug, n = base, 2
    while Clinic.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_clinic(*, name: str, time_zone: str, owner: User, **extra: Any) -> Clinic:
    """A new tenant with its first owner (used by the CLI and the demo)."""
    clinic = Clinic(slug=_unique_slug(name))
    apply_changes(clinic, {"name": name, "time_zone": time_zone, **extra}, CLINIC_FIELDS)
    clinic.save()
    member = Membership.objects.create(clinic=clinic, user=owner, role=Role.OWNER)
    audit.record(Actor.system(member), AuditAction.CREATE, clinic, clinic=clinic)
    return clinic


@transaction.atomic
def update_clinic(*, actor: Actor, clinic: Clinic, data: dict[str, Any]) -> Clinic:
    require(actor, "clinic.manage")
    # Every problem at once: the currency lock beside the fields' own rules.
    locked = (
        currency_change_refused(clinic)
        if data.get("currency") not in (None, clinic.currency)
        else None
    )
    try:
        changed = apply_changes(clinic, data, CLINIC_FIELDS)
    except ValidationError as exc:
        if locked and hasattr(exc, "error_dict"):
            exc.error_dict.setdefault("currency", [ValidationError(locked)])
        raise
    if locked:
        raise ValidationError({"currency": locked})
    if changed:
        clinic.save()
        audit.record(actor, AuditAction.UPDATE, clinic)
    return clinic


@transaction.atomic
def create_location(*, actor: Actor, data: dict[str, Any]) -> Location:
    require(actor, "location.manage")
    location = Location(clinic=actor.clinic)
    data = {"time_zone": actor.clinic.time_zone, **data} if actor.clinic else data
    apply_changes(location, data, LOCATION_FIELDS)
    location.save()
    audit.record(actor, AuditAction.CREATE, location)
    return location


@transaction.atomic
def update_location(*, actor: Actor, location: Location, data: dict[str, Any]) -> Location:
    require(actor, "location.manage")
    if apply_changes(location, data, LOCATION_FIELDS):
        location.save()
        audit.record(actor, AuditAction.UPDATE, location)
    return location


@transaction.atomic
def create_room(*, actor: Actor, location: Location, data: dict[str, Any]) -> Room:
    require(actor, "location.manage")
    room = Room(location=location)
    apply_changes(room, data, ROOM_FIELDS)
    room.save()
    audit.record(actor, AuditAction.CREATE, room)
    return room


@transaction.atomic
def update_room(*, actor: Actor, room: Room, data: dict[str, Any]) -> Room:
    require(actor, "location.manage")
    if apply_changes(room, data, ROOM_FIELDS):
        room.save()
        audit.record(actor, AuditAction.UPDATE, room)
    return room


@transaction.atomic
def delete_room(*, actor: Actor, room: Room) -> None:
    require(actor, "location.manage")
    audit.record(actor, AuditAction.DELETE, room)
    room.delete()


def _open_invitations() -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


@transaction.atomic
def invite(*, actor: Actor, email: str, role: str) -> Invitation:
    """Invite someone by e-mail; the worker mints the link's token when it sends the e-mail."""
    require(actor, "staff.manage")
    assert actor.clinic is not None
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = f"“{role}” is not a role. Choose owner, practitioner or front_desk."
    email = email.strip().lower()
    if Membership.objects.filter(clinic=actor.clinic, user__email=email).exists():
        errors["email"] = "This person is already a member of the clinic."
    if errors:
        raise ValidationError(errors)
    invitation = Invitation(
        clinic=actor.clinic,
        email=email,
        role=role,
        token_digest=capabilities.placeholder(),
        invited_by=actor.user,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    audit.record(actor, AuditAction.CREATE, invitation)
    # Queued inside the transaction: the job exists only if the invitation does.
    enqueue_message(INVITATION_EMAIL, invitation.pk)
    return invitation


INVITATION_EMAIL = "sacrum.clinics.services:invitation"


@message(INVITATION_EMAIL)
def _invitation_email(ref: str) -> Message | None:
    """Rendered by the worker: a fresh token for a still-open invitation, or nothing."""
    invitation = _open_invitations().select_related("clinic", "invited_by").filter(pk=ref).first()
    raw = capabilities.reissue(_open_invitations(), invitation.pk) if invitation else None
    if invitation is None or raw is None:
        return None
    inviter = invitation.invited_by or "Your colleague"
    link = f"{settings.SITE_URL}{reverse('web:invitation_accept', args=[raw])}"
    body = (
        f"{inviter} invited you to join {invitation.clinic.name} as "
        f"{invitation.get_role_display()}.\n\nAccept within {INVITATION_DAYS} days: {link}\n"
    )
    subject = f"You are invited to {invitation.clinic.name} on Sacrum"
    return Message(
        subject=subject, body=body, to=[invitation.email], sender=sender_of(invitation.clinic)
    )


def find_invitation(raw: str) -> Invitation | None:
    """An open (not accepted, revoked or expired) invitation for a raw token."""
    return capabilities.find(_open_invitations().select_related("clinic"), raw)


def open_invitation(invitation_id: str | None) -> Invitation | None:
    """An open invitation by id: for the browser that opened its link and signs in first."""
    if not invitation_id:
        return None
    try:
        return _open_invitations().select_related("clinic").filter(pk=invitation_id).first()
    except (ValueError, ValidationError):
        return None


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User, actor: Actor) -> Membership:
    if user.email.lower() != invitation.email.lower():
        raise Forbidden("This invitation was sent to another e-mail address.")
    if not capabilities.claim(
        Invitation.objects.filter(revoked_at__isnull=True), invitation.pk, used_field="accepted_at"
    ):
        raise Forbidden("This invitation has already been used.")
    try:
        member, _ = Membership.objects.get_or_create(
            clinic=invitation.clinic, user=user, defaults={"role": invitation.role}
        )
    except IntegrityError as exc:  # pragma: no cover - raced with another accept
        raise Forbidden("You are already a member of this clinic.") from exc
    # The invitation link reached this inbox, and the address matches the account's.
    mark_email_verified(user=user)
    audit.record(
        Actor(user=user, member=member, ip=actor.ip, user_agent=actor.user_agent),
        AuditAction.CREATE,
        member,
    )
    return member


@transaction.atomic
def join_with_new_account(
    *, invitation: Invitation, full_name: str, password: str, actor: Actor
) -> Membership:
    """Create the invited person's account (for exactly the invited e-mail), then accept.

    The caller's form checks the password with Django's validators. The e-mail address
    counts as verified: the invitation link reached that inbox (``accept_invitation``).
    """
    email = invitation.email.lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError("An account with this e-mail already exists. Sign in first.")
    full_name = full_name.strip()
    if not full_name:
        raise ValidationError({"full_name": "Tell your colleagues your name."})
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    return accept_invitation(invitation=invitation, user=user, actor=actor)


@transaction.atomic
def revoke_invitation(*, actor: Actor, invitation: Invitation) -> None:
    require(actor, "staff.manage")
    capabilities.revoke(Invitation.objects.filter(pk=invitation.pk))
    invitation.refresh_from_db(fields=["revoked_at"])
    audit.record(actor, AuditAction.DELETE, invitation)


def _other_active_owners(member: Membership) -> bool:
    return (
        Membership.objects.filter(clinic_id=member.clinic_id, role=Role.OWNER, active=True)
        .exclude(pk=member.pk)
        .exists()
    )


@transaction.atomic
def change_membership(
    *, actor: Actor, member: Membership, role: str | None = None, active: bool | None = None
) -> Membership:
    """Set a staff member's role or deactivate them; the clinic always keeps an owner."""
    require(actor, "staff.manage")
    if role is not None and role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role."})
    losing_owner = member.role == Role.OWNER and (
        (role is not None and role != Role.OWNER) or active is False
    )
    if losing_owner and not _other_active_owners(member):
        raise ValidationError({"role": "A clinic must keep at least one active owner."})
    if role is not None:
        member.role = role
    if active is not None:
        member.active = active
    member.save(update_fields=["role", "active"])
    audit.record(actor, AuditAction.UPDATE, member)
    if active is False:
        # A deactivated member's tokens die with the deactivation: re-activating the
        # membership must not silently bring back tokens issued before it.
        revoke_tokens_of(actor=actor, member=member)
    return member


def may_edit_profile(actor: Actor, member_id: object) -> bool:
    """Practitioners edit their own profile and credentials; owners anyone's."""
    own = actor.member is not None and actor.member.pk == member_id
    return actor.can("profile.edit_own" if own else "profile.manage")


def _require_profile_editor(actor: Actor, member_id: object) -> None:
    if not may_edit_profile(actor, member_id):
        raise Forbidden("Your role in this clinic does not allow this.")


@transaction.atomic
def save_profile(*, actor: Actor, member: Membership, data: dict[str, Any]) -> PractitionerProfile:
    """Create or update a practitioner's profile: their own, or anyone's for an owner."""
    _require_profile_editor(actor, member.pk)
    if member.role == Role.FRONT_DESK:
        raise ValidationError({"membership": "Front-desk staff do not have practitioner profiles."})
    profile = getattr(member, "practitioner_profile", None)
    created = profile is None
    if profile is None:
        profile = PractitionerProfile(
            membership=member,
            display_name=member.user.display_name,
            profession=Profession.OTHER,
        )
    if "languages" in data and isinstance(data["languages"], str):
        data = {**data, "languages": [x.strip() for x in data["languages"].split(",") if x.strip()]}
    changed = apply_changes(profile, data, PROFILE_FIELDS)
    if created or changed:
        profile.save()
        audit.record(actor, AuditAction.CREATE if created else AuditAction.UPDATE, profile)
    return profile


def _check_evidence(evidence: UploadedFile[bytes] | None) -> None:
    if evidence is None:
        return
    suffix = (evidence.name or "").rsplit(".", 1)[-1].lower()
    if suffix not in EVIDENCE_TYPES:
        raise ValidationError({"evidence": "Upload a PDF, PNG or JPEG file."})
    if (evidence.size or 0) > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence": "The file is larger than 10 MB."})


def _may_edit_credentials(actor: Actor, profile: PractitionerProfile) -> None:
    _require_profile_editor(actor, profile.membership_id)


@transaction.atomic
def add_credential(
    *,
    actor: Actor,
    profile: PractitionerProfile,
    data: dict[str, Any],
    evidence: UploadedFile[bytes] | None = None,
) -> Credential:
    _may_edit_credentials(actor, profile)
    _check_evidence(evidence)
    credential = Credential(profile=profile)
    apply_changes(credential, data, CREDENTIAL_FIELDS)
    if evidence is not None:
        credential.evidence = evidence
    credential.save()
    audit.record(actor, AuditAction.CREATE, credential)
    return credential


@transaction.atomic
def update_credential(
    *,
    actor: Actor,
    credential: Credential,
    data: dict[str, Any],
    evidence: UploadedFile[bytes] | None = None,
) -> Credential:
    """Editing a credential sends it back to 'not yet verified': the owner must look again."""
    _may_edit_credentials(actor, credential.profile)
    _check_evidence(evidence)
    changed = apply_changes(credential, data, CREDENTIAL_FIELDS)
    if evidence is not None:
        credential.evidence = evidence
        changed.append("evidence")
    if changed:
        credential.verification_state = VerificationState.UNVERIFIED
        credential.verified_by = None
        credential.verified_at = None
        credential.verified_evidence_name = credential.verified_evidence_sha256 = ""
        credential.save()
        audit.record(actor, AuditAction.UPDATE, credential)
    return credential


@transaction.atomic
def delete_credential(*, actor: Actor, credential: Credential) -> None:
    _may_edit_credentials(actor, credential.profile)
    audit.record(actor, AuditAction.DELETE, credential)
    credential.delete()


def _evidence_digest(credential: Credential) -> tuple[str, str]:
    """The evidence file's name and SHA-256 (empty when there is no file or it is gone)."""
    if not credential.evidence:
        return "", ""
    digest = hashlib.sha256()
    try:
        with credential.evidence.open("rb") as handle:
            for chunk in iter(lambda: handle.read(65536), b""):
                digest.update(chunk)
    except OSError:
        return (credential.evidence.name or "").rsplit("/", 1)[-1], ""
    return (credential.evidence.name or "").rsplit("/", 1)[-1], digest.hexdigest()


@transaction.atomic
def set_verification(*, actor: Actor, credential: Credential, state: str) -> Credential:
    """Only an owner sets a credential's verification state."""
    require(actor, "credential.verify")
    if state not in VerificationState.values:
        raise ValidationError({"state": f"“{state}” is not a verification state."})
    credential.verification_state = state
    if state == VerificationState.UNVERIFIED:
        credential.verified_by, credential.verified_at = None, None
        credential.verified_evidence_name = credential.verified_evidence_sha256 = ""
    else:
        credential.verified_by, credential.verified_at = actor.user, timezone.now()
        # Record which evidence was looked at: a later replaced file is a different digest.
        credential.verified_evidence_name, credential.verified_evidence_sha256 = _evidence_digest(
            credential
        )
    credential.save(
        update_fields=[
            "verification_state",
            "verified_by",
            "verified_at",
            "verified_evidence_name",
            "verified_evidence_sha256",
        ]
    )
    audit.record(actor, AuditAction.UPDATE, credential)
    return credential
