"""API shapes for clinics, places and people."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from sacrum.kernel.fields import Day


class ClinicOut(Schema):
    id: uuid.UUID
    name: str
    slug: str
    time_zone: str
    email: str
    phone: str
    website: str
    require_staff_mfa: bool
    currency: str


class ClinicPatch(Schema):
    name: str | None = None
    time_zone: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    require_staff_mfa: bool | None = None
    currency: str | None = Field(
        None, max_length=3, description="ISO 4217; refused once invoices are issued in it."
    )


class LocationOut(Schema):
    id: uuid.UUID
    name: str
    address_line: str
    city: str
    postal_code: str
    country: str
    time_zone: str
    phone: str
    active: bool


class LocationIn(Schema):
    name: str
    address_line: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    time_zone: str | None = None
    phone: str = ""
    active: bool = True


class LocationPatch(Schema):
    name: str | None = None
    address_line: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    time_zone: str | None = None
    phone: str | None = None
    active: bool | None = None


class RoomOut(Schema):
    id: uuid.UUID
    location_id: uuid.UUID
    name: str
    active: bool


class RoomIn(Schema):
    location_id: uuid.UUID
    name: str
    active: bool = True


class RoomPatch(Schema):
    name: str | None = None
    active: bool | None = None


class MembershipOut(Schema):
    id: uuid.UUID
    user_name: str = Field(alias="user.display_name")
    email: str = Field(alias="user.email")
    role: str
    active: bool
    joined_at: datetime


class MembershipPatch(Schema):
    role: str | None = None
    active: bool | None = None


class InvitationIn(Schema):
    email: str = Field(max_length=254)
    role: str


class InvitationOut(Schema):
    id: uuid.UUID
    email: str
    role: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class ProfileOut(Schema):
    id: uuid.UUID
    membership_id: uuid.UUID
    display_name: str
    profession: str
    bio: str
    languages: list[str]
    listed_publicly: bool


class ProfilePatch(Schema):
    display_name: str | None = None
    profession: str | None = None
    bio: str | None = None
    languages: list[str] | None = None
    listed_publicly: bool | None = None


class CredentialOut(Schema):
    id: uuid.UUID
    profile_id: uuid.UUID
    issuing_body: str
    title: str
    level: str
    issued_on: date
    expires_on: date | None
    has_evidence: bool
    verification_state: str
    verified_at: datetime | None

    @staticmethod
    def resolve_has_evidence(obj: object) -> bool:
        return bool(getattr(obj, "evidence", None))


class CredentialIn(Schema):
    issuing_body: str
    title: str
    level: str = ""
    issued_on: Day
    expires_on: Day | None = None


class CredentialPatch(Schema):
    issuing_body: str | None = None
    title: str | None = None
    level: str | None = None
    issued_on: Day | None = None
    expires_on: Day | None = None


class VerificationIn(Schema):
    state: str
