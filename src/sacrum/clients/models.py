"""The people a clinic serves."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet
from sacrum.kernel.errors import Locked

# Fields only clinical roles may read or write (never the front desk).
CLINICAL_FIELDS = ("presenting_concerns", "conditions", "goals")


class Condition(models.TextChoices):
    """What clients come for. Recording a reason is not a claim that CST helps with it."""

    MIGRAINE_HEADACHE = "migraine_headache", "Migraine or headache"
    NECK_PAIN = "neck_pain", "Neck pain"
    BACK_PAIN = "back_pain", "Back pain"
    TMJ = "tmj", "Jaw (TMJ) problems"
    SINUS = "sinus", "Sinus problems"
    FIBROMYALGIA = "fibromyalgia", "Fibromyalgia"
    SLEEP = "sleep", "Poor sleep"
    STRESS_ANXIETY = "stress_anxiety", "Stress or anxiety"
    OTHER = "other", "Other"


class ReferralSource(models.TextChoices):
    """How the client heard of the clinic (for the owner's own marketing questions)."""

    FRIEND = "friend", "A friend or family member"
    PHYSICIAN = "physician", "A doctor or other health professional"
    SEARCH = "search", "An internet search"
    DIRECTORY = "directory", "A practitioner directory"
    SOCIAL = "social", "Social media"
    RETURNING = "returning", "I have been here before"
    OTHER = "other", "Other"


def validate_conditions(value: object) -> None:
    """A list of distinct known condition keys."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Give a list of conditions.")
    unknown = [v for v in value if v not in Condition.values]
    if unknown:
        raise ValidationError(
            f"Unknown condition: {', '.join(unknown)}. Choose from {', '.join(Condition.values)}."
        )
    if len(set(value)) != len(value):
        raise ValidationError("Each condition may be listed once.")


class ClientQuerySet(ClinicScopedQuerySet["Client"]):
    area = "client"

    def for_member(self, member: Any, action: str = "view") -> ClientQuerySet:
        """An erased client is out of every member's reach: no page, list or route finds it."""
        return super().for_member(member, action).filter(erased_at__isnull=True)

    def search(self, text: str) -> ClientQuerySet:
        """Match every word of ``text`` against names, e-mail or phone."""
        qs = self
        for word in text.split()[:5]:
            qs = qs.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(preferred_name__icontains=word)
                | Q(email__icontains=word)
                | Q(phone__icontains=word)
            )
        return qs


class Client(models.Model):
    """A person the clinic serves. Belongs to exactly one clinic."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="clients")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=300, blank=True)
    emergency_contact_name = models.CharField(max_length=150, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    physician_name = models.CharField("physician's name", max_length=150, blank=True)
    physician_practice = models.CharField("physician's practice", max_length=200, blank=True)
    physician_phone = models.CharField("physician's phone", max_length=40, blank=True)
    physician_email = models.EmailField("physician's e-mail", blank=True)
    preferred_language = models.CharField(max_length=60, blank=True)
    referral_source = models.CharField(
        "how they heard of the clinic", max_length=20, choices=ReferralSource.choices, blank=True
    )
    presenting_concerns = models.TextField(
        max_length=4000, blank=True, help_text="Clinical: why the client comes, in their words."
    )
    conditions = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_conditions],
        help_text="Clinical: what the client comes for.",
    )
    goals = models.TextField(
        max_length=4000, blank=True, help_text="Clinical: the client's goals, in their own words."
    )
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="client_record",
    )
    archived = models.BooleanField(default=False)
    erased_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Erased: pseudonymised, never reopened."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[ClientQuerySet] = ClientQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("last_name", "first_name")
        indexes = (models.Index(fields=("clinic", "last_name", "first_name")),)

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        shown = self.preferred_name or self.first_name
        return f"{shown} {self.last_name}"

    @property
    def age(self) -> int:
        from django.utils import timezone

        today = timezone.localdate()
        dob = self.date_of_birth
        return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))

    @property
    def condition_labels(self) -> list[str]:
        labels = dict(Condition.choices)
        return [str(labels.get(key, key)) for key in self.conditions or []]

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()


class ConsentTextQuerySet(ClinicScopedQuerySet["ConsentText"]):
    area = "client"

    def update(self, **kwargs: Any) -> int:
        if ConsentSignature.objects.filter(text__in=self).exists():
            raise Locked("A consent text that has been signed never changes.")
        return super().update(**kwargs)


class ConsentText(models.Model):
    """One version of a clinic's consent text. An edit is a new version; a signed one never changes.

    ``requires_new_signature``: clients who signed an earlier version must sign this one
    before their next charted session (off for a correction that changes no meaning).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="consent_texts"
    )
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=20000)
    requires_new_signature = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ConsentTextQuerySet] = ConsentTextQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-version",)
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "version"), name="consent_text_version_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self.signatures.exists():
            raise Locked("A consent text that has been signed never changes.")
        super().save(*args, **kwargs)

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]


class SignatureQuerySet(ClinicScopedQuerySet["ConsentSignature"]):
    area = "client"
    clinic_path = "client__clinic"

    def update(self, **kwargs: Any) -> int:
        raise Locked("A consent signature is never changed; record a withdrawal.")


# SVG path data from the signature pad: moves and lines with plain coordinates.
SIGNATURE_PATH = r"^(?:[ML] ?\d{1,4}(?:\.\d{1,2})?[ ,]\d{1,4}(?:\.\d{1,2})? ?)+$"


class ConsentSignature(models.Model):
    """A client's electronic signature of one consent text version: what, who, when, from where."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="consent_signatures")
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="signatures")
    typed_name = models.CharField(max_length=200)
    agreed = models.BooleanField()
    drawn_signature = models.TextField(
        max_length=20000,
        blank=True,
        validators=[RegexValidator(SIGNATURE_PATH, "The drawn signature could not be read.")],
        help_text="SVG path data from the signature pad (optional).",
    )
    signed_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    via = models.CharField(max_length=10)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar[SignatureQuerySet] = SignatureQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-signed_at",)
        constraints = (
            models.CheckConstraint(condition=Q(agreed=True), name="consent_signature_agreed"),
            models.CheckConstraint(
                condition=~Q(typed_name=""), name="consent_signature_has_typed_name"
            ),
        )

    def __str__(self) -> str:
        return f"{self.typed_name} signed version {self.text.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise Locked("A consent signature is never changed; record a withdrawal.")
        super().save(*args, **kwargs)

    @property
    def withdrawn(self) -> bool:
        return hasattr(self, "withdrawal")


class ConsentWithdrawal(models.Model):
    """The client withdrew a consent they had signed (the signature itself stays on record)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    signature = models.OneToOneField(
        ConsentSignature, on_delete=models.PROTECT, related_name="withdrawal"
    )
    withdrawn_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=10)

    def __str__(self) -> str:
        return f"Withdrawal of {self.signature_id} at {self.withdrawn_at:%Y-%m-%d}"
