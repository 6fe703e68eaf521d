"""API shapes for clinics, places and people."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field, field_validator

from sacrum.clinics.models import CURRENCY_REFUSED, currency_codes
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
    directory_enabled: bool
    public_description: str


class ClinicPatch(Schema):
    name: str | None = None
    time_zone: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    require_staff_mfa: bool | None = None
    currency: str | None = Field(
        default=None,
        description="ISO 4217, e.g. GBP, EUR, CHF; refused once invoices are issued in it.",
    )
    directory_enabled: bool | None = None
    public_description: str | None = Field(default=None, max_length=2000)

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, value: str | None) -> str | None:
        if value is not None and value not in currency_codes():
            raise ValueError(CURRENCY_REFUSED)
        return value


# Coordinates: decimal degrees, kept to 5 places (about a metre); both or neither.
Latitude = Field(default=None, ge=-90, le=90, description="e.g. 51.44964")
Longitude = Field(default=None, ge=-180, le=180, description="e.g. -2.59778 (west is negative)")
PLACES = Decimal("0.00001")


def _degrees(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(PLACES)


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
    latitude: float | None
    longitude: float | None


class LocationIn(Schema):
    name: str
    address_line: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    time_zone: str | None = None
    phone: str = ""
    active: bool = True
    latitude: Decimal | None = Latitude
    longitude: Decimal | None = Longitude

    _places = field_validator("latitude", "longitude")(_degrees)


class LocationPatch(Schema):
    name: str | None = None
    address_line: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    time_zone: str | None = None
    phone: str | None = None
    active: bool | None = None
    latitude: Decimal | None = Latitude
    longitude: Decimal | None = Longitude

    _places = field_validator("latitude", "longitude")(_degrees)


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
    registration_number: str
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
    registration_number: str = Field("", max_length=60)
    issued_on: Day
    expires_on: Day | None = None


class CredentialPatch(Schema):
    issuing_body: str | None = None
    title: str | None = None
    level: str | None = None
    registration_number: str | None = Field(None, max_length=60)
    issued_on: Day | None = None
    expires_on: Day | None = None


class VerificationIn(Schema):
    state: str
