"""Reads for clinics, places and people; always scoped to the actor's clinic."""

from __future__ import annotations

from django.db.models import QuerySet

from sacrum.access.actor import Actor
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clinics.models import (
    Credential,
    Invitation,
    Location,
    Membership,
    PractitionerProfile,
    Room,
)


def locations_for(actor: Actor, action: str = "view") -> QuerySet[Location]:
    return Location.objects.for_member(actor.member, action)  # type: ignore[arg-type]


def location_for(actor: Actor, location_id: object, action: str = "view") -> Location:
    return get_scoped_or_404(locations_for(actor, action), pk=location_id)


def rooms_for(actor: Actor, action: str = "view") -> QuerySet[Room]:
    return Room.objects.for_member(actor.member, action).select_related("location")  # type: ignore[arg-type]


def room_for(actor: Actor, room_id: object, action: str = "view") -> Room:
    return get_scoped_or_404(rooms_for(actor, action), pk=room_id)


def members_for(actor: Actor, action: str = "view") -> QuerySet[Membership]:
    return (
        Membership.objects.for_member(actor.member, action)  # type: ignore[arg-type]
        .select_related("user", "practitioner_profile")
        .order_by("-active", "user__full_name", "user__email")
    )


def member_for(actor: Actor, member_id: object, action: str = "view") -> Membership:
    return get_scoped_or_404(members_for(actor, action), pk=member_id)


def invitations_for(actor: Actor) -> QuerySet[Invitation]:
    return Invitation.objects.for_member(actor.member, "manage")  # type: ignore[arg-type]


def invitation_for(actor: Actor, invitation_id: object) -> Invitation:
    return get_scoped_or_404(invitations_for(actor), pk=invitation_id)


def profiles_for(actor: Actor) -> QuerySet[PractitionerProfile]:
    return PractitionerProfile.objects.for_member(actor.member, "view").select_related(  # type: ignore[arg-type]
        "membership__user"
    )


def profile_for(actor: Actor, profile_id: object) -> PractitionerProfile:
    return get_scoped_or_404(profiles_for(actor), pk=profile_id)


def credentials_for(actor: Actor) -> QuerySet[Credential]:
    return Credential.objects.for_member(actor.member, "view").select_related(  # type: ignore[arg-type]
        "profile__membership", "verified_by"
    )


def credential_for(actor: Actor, credential_id: object) -> Credential:
    return get_scoped_or_404(credentials_for(actor), pk=credential_id)
