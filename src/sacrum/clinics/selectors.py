"""Reads for clinics, places and people; always scoped to the actor's clinic."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.roles import Role
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clinics.models import (
    Credential,
    Invitation,
    Location,
    Membership,
    PractitionerProfile,
    Room,
    VerificationState,
)
from sacrum.kernel.actor import StaffActor


def locations_for(actor: StaffActor, action: str = "view") -> QuerySet[Location]:
    return Location.objects.for_member(actor.member, action)


def location_for(actor: StaffActor, location_id: object, action: str = "view") -> Location:
    return get_scoped_or_404(locations_for(actor, action), pk=location_id)


def locations_with_room_counts(actor: StaffActor) -> QuerySet[Location]:
    """Locations for the list page, each with its number of rooms in use (one query)."""
    return locations_for(actor).annotate(rooms_in_use=Count("rooms", filter=Q(rooms__active=True)))


def rooms_for(actor: StaffActor, action: str = "view") -> QuerySet[Room]:
    return Room.objects.for_member(actor.member, action).select_related("location")


def room_for(actor: StaffActor, room_id: object, action: str = "view") -> Room:
    return get_scoped_or_404(rooms_for(actor, action), pk=room_id)


def members_for(actor: StaffActor, action: str = "view") -> QuerySet[Membership]:
    return (
        Membership.objects.for_member(actor.member, action)
        .select_related("user", "practitioner_profile")
        .order_by("-active", "user__full_name", "user__email")
    )


def member_for(actor: StaffActor, member_id: object, action: str = "view") -> Membership:
    return get_scoped_or_404(members_for(actor, action), pk=member_id)


def invitations_for(actor: StaffActor) -> QuerySet[Invitation]:
    return Invitation.objects.for_member(actor.member, "manage")


def pending_invitations_for(actor: StaffActor) -> QuerySet[Invitation]:
    """Invitations not yet accepted, revoked or expired."""
    return invitations_for(actor).filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def invitation_for(actor: StaffActor, invitation_id: object) -> Invitation:
    return get_scoped_or_404(invitations_for(actor), pk=invitation_id)


def profiles_for(actor: StaffActor) -> QuerySet[PractitionerProfile]:
    return PractitionerProfile.objects.for_member(actor.member, "view").select_related(
        "membership__user"
    )


def profiles_with_counts(actor: StaffActor) -> QuerySet[PractitionerProfile]:
    """Profiles for the list page, with verified / waiting / rejected credential counts."""
    by_state = {
        name: Count("credentials", filter=Q(credentials__verification_state=state))
        for name, state in (
            ("verified_count", VerificationState.VERIFIED),
            ("unverified_count", VerificationState.UNVERIFIED),
            ("rejected_count", VerificationState.REJECTED),
        )
    }
    return profiles_for(actor).annotate(**by_state)


def members_without_profile(actor: StaffActor) -> QuerySet[Membership]:
    """Active owners and practitioners who have not written a profile yet."""
    return members_for(actor).filter(
        active=True,
        role__in=[Role.OWNER, Role.PRACTITIONER],
        practitioner_profile__isnull=True,
    )


def profile_for(actor: StaffActor, profile_id: object) -> PractitionerProfile:
    return get_scoped_or_404(profiles_for(actor), pk=profile_id)


def credentials_for(actor: StaffActor) -> QuerySet[Credential]:
    return Credential.objects.for_member(actor.member, "view").select_related(
        "profile__membership", "verified_by"
    )


def credential_for(actor: StaffActor, credential_id: object) -> Credential:
    return get_scoped_or_404(credentials_for(actor), pk=credential_id)


def evidence_for(actor: StaffActor, credential_id: object) -> Credential:
    """A credential whose evidence file the actor may download; each download is audited."""
    credential = credential_for(actor, credential_id)
    if not credential.evidence:
        raise Http404("No evidence file")
    audit.record(actor, AuditAction.EXPORT, credential)
    return credential
