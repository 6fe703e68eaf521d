"""/api/v1 endpoints for the clinic, its places and its people."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile

from sacrum.clinics import selectors, services
from sacrum.clinics.models import Clinic, Credential, Invitation, Location, Membership, Room
from sacrum.clinics.schemas import (
    ClinicOut,
    ClinicPatch,
    CredentialIn,
    CredentialOut,
    CredentialPatch,
    InvitationIn,
    InvitationOut,
    LocationIn,
    LocationOut,
    LocationPatch,
    MembershipOut,
    MembershipPatch,
    ProfileOut,
    ProfilePatch,
    RoomIn,
    RoomOut,
    RoomPatch,
    VerificationIn,
)
from sacrum.kernel.api import PageOut, actor_of, paginate
from sacrum.kernel.fields import PageNumber, PageSize
from sacrum.kernel.requests import MemberRequest

router = Router(tags=["clinic"])


def _clinic(request: MemberRequest) -> Clinic:
    return request.member.clinic


@router.get("/clinic", response=ClinicOut, summary="The clinic you are acting in")
def get_clinic(request: MemberRequest) -> Clinic:
    return _clinic(request)


@router.patch("/clinic", response=ClinicOut)
def patch_clinic(request: MemberRequest, payload: ClinicPatch) -> Clinic:
    return services.update_clinic(
        actor=actor_of(request), clinic=_clinic(request), data=payload.dict(exclude_unset=True)
    )


@router.get("/locations", response=PageOut[LocationOut])
def list_locations(
    request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    return paginate(selectors.locations_for(actor_of(request)), page, page_size)


@router.post("/locations", response={201: LocationOut})
def create_location(request: HttpRequest, payload: LocationIn) -> Status[Location]:
    data = payload.dict(exclude_none=True)
    return Status(201, services.create_location(actor=actor_of(request), data=data))


@router.get("/locations/{location_id}", response=LocationOut)
def get_location(request: HttpRequest, location_id: uuid.UUID) -> Location:
    return selectors.location_for(actor_of(request), location_id)


@router.patch("/locations/{location_id}", response=LocationOut)
def patch_location(
    request: HttpRequest, location_id: uuid.UUID, payload: LocationPatch
) -> Location:
    actor = actor_of(request)
    location = selectors.location_for(actor, location_id)
    return services.update_location(
        actor=actor, location=location, data=payload.dict(exclude_unset=True)
    )


@router.get("/rooms", response=PageOut[RoomOut])
def list_rooms(
    request: HttpRequest,
    location_id: uuid.UUID | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    qs = selectors.rooms_for(actor_of(request))
    if location_id:
        qs = qs.filter(location_id=location_id)
    return paginate(qs, page, page_size)


@router.post("/rooms", response={201: RoomOut})
def create_room(request: HttpRequest, payload: RoomIn) -> Status[Room]:
    actor = actor_of(request)
    location = selectors.location_for(actor, payload.location_id)
    data = payload.dict(exclude={"location_id"})
    return Status(201, services.create_room(actor=actor, location=location, data=data))


@router.get("/rooms/{room_id}", response=RoomOut)
def get_room(request: HttpRequest, room_id: uuid.UUID) -> Room:
    return selectors.room_for(actor_of(request), room_id)


@router.patch("/rooms/{room_id}", response=RoomOut)
def patch_room(request: HttpRequest, room_id: uuid.UUID, payload: RoomPatch) -> Room:
    actor = actor_of(request)
    room = selectors.room_for(actor, room_id)
    return services.update_room(actor=actor, room=room, data=payload.dict(exclude_unset=True))


@router.delete("/rooms/{room_id}", response={204: None})
def delete_room(request: HttpRequest, room_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    services.delete_room(actor=actor, room=selectors.room_for(actor, room_id))
    return Status(204, None)


@router.get("/memberships", response=PageOut[MembershipOut], tags=["staff"])
def list_memberships(
    request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    return paginate(selectors.members_for(actor_of(request)), page, page_size)


@router.get("/memberships/{membership_id}", response=MembershipOut, tags=["staff"])
def get_membership(request: HttpRequest, membership_id: uuid.UUID) -> Membership:
    return selectors.member_for(actor_of(request), membership_id)


@router.patch("/memberships/{membership_id}", response=MembershipOut, tags=["staff"])
def patch_membership(
    request: HttpRequest, membership_id: uuid.UUID, payload: MembershipPatch
) -> Membership:
    actor = actor_of(request)
    member = selectors.member_for(actor, membership_id)
    return services.change_membership(
        actor=actor, member=member, **payload.dict(exclude_unset=True)
    )


@router.get("/invitations", response=PageOut[InvitationOut], tags=["staff"])
def list_invitations(
    request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    return paginate(selectors.invitations_for(actor_of(request)), page, page_size)


@router.post("/invitations", response={201: InvitationOut}, tags=["staff"])
def create_invitation(request: HttpRequest, payload: InvitationIn) -> Status[Invitation]:
    invitation = services.invite(actor=actor_of(request), email=payload.email, role=payload.role)
    return Status(201, invitation)


@router.delete("/invitations/{invitation_id}", response={204: None}, tags=["staff"])
def revoke_invitation(request: HttpRequest, invitation_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    services.revoke_invitation(
        actor=actor, invitation=selectors.invitation_for(actor, invitation_id)
    )
    return Status(204, None)


@router.get("/practitioners", response=PageOut[ProfileOut], tags=["practitioners"])
def list_profiles(
    request: HttpRequest, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    return paginate(selectors.profiles_for(actor_of(request)), page, page_size)


@router.get("/practitioners/{profile_id}", response=ProfileOut, tags=["practitioners"])
def get_profile(request: HttpRequest, profile_id: uuid.UUID) -> object:
    return selectors.profile_for(actor_of(request), profile_id)


@router.patch("/practitioners/{profile_id}", response=ProfileOut, tags=["practitioners"])
def patch_profile(request: HttpRequest, profile_id: uuid.UUID, payload: ProfilePatch) -> object:
    actor = actor_of(request)
    profile = selectors.profile_for(actor, profile_id)
    return services.save_profile(
        actor=actor, member=profile.membership, data=payload.dict(exclude_unset=True)
    )


@router.get(
    "/practitioners/{profile_id}/credentials",
    response=PageOut[CredentialOut],
    tags=["practitioners"],
)
def list_credentials(
    request: HttpRequest, profile_id: uuid.UUID, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    actor = actor_of(request)
    profile = selectors.profile_for(actor, profile_id)
    return paginate(selectors.credentials_for(actor).filter(profile=profile), page, page_size)


@router.post(
    "/practitioners/{profile_id}/credentials",
    response={201: CredentialOut},
    tags=["practitioners"],
)
def add_credential(
    request: HttpRequest,
    profile_id: uuid.UUID,
    payload: Form[CredentialIn],
    evidence: File[UploadedFile | None] = None,
) -> Status[Credential]:
    actor = actor_of(request)
    profile = selectors.profile_for(actor, profile_id)
    credential = services.add_credential(
        actor=actor, profile=profile, data=payload.dict(), evidence=evidence
    )
    return Status(201, credential)


@router.get("/credentials/{credential_id}", response=CredentialOut, tags=["practitioners"])
def get_credential(request: HttpRequest, credential_id: uuid.UUID) -> Credential:
    return selectors.credential_for(actor_of(request), credential_id)


@router.patch("/credentials/{credential_id}", response=CredentialOut, tags=["practitioners"])
def patch_credential(
    request: HttpRequest, credential_id: uuid.UUID, payload: CredentialPatch
) -> Credential:
    actor = actor_of(request)
    credential = selectors.credential_for(actor, credential_id)
    return services.update_credential(
        actor=actor, credential=credential, data=payload.dict(exclude_unset=True)
    )


@router.delete("/credentials/{credential_id}", response={204: None}, tags=["practitioners"])
def delete_credential(request: HttpRequest, credential_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    services.delete_credential(
        actor=actor, credential=selectors.credential_for(actor, credential_id)
    )
    return Status(204, None)


@router.post(
    "/credentials/{credential_id}/verification", response=CredentialOut, tags=["practitioners"]
)
def verify_credential(
    request: HttpRequest, credential_id: uuid.UUID, payload: VerificationIn
) -> Credential:
    actor = actor_of(request)
    credential = selectors.credential_for(actor, credential_id)
    return services.set_verification(actor=actor, credential=credential, state=payload.state)
