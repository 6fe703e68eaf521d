"""The people a clinic serves."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet

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
