"""How long a clinic keeps clinical records, and each client erased under that rule."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet

MAX_YEARS = 100


class Preset(models.TextChoices):
    """Common rules, as examples to start from (not legal advice: docs/data-erasure.md)."""

    UK = "uk", "United Kingdom (NHS records code: 8 years; children until their 25th birthday)"
    GERMANY = "de", "Germany (BGB § 630f: 10 years after the treatment)"
    US_TYPICAL = "us", "United States, e.g. Colorado (7 years; minors until 7 years after 18)"
    CUSTOM = "custom", "Our own rule"


# (years after last contact, age of majority, years after reaching it)
PRESETS: dict[str, tuple[int, int, int]] = {
    Preset.UK: (8, 18, 7),
    Preset.GERMANY: (10, 18, 0),
    Preset.US_TYPICAL: (7, 18, 7),
}


class PolicyQuerySet(ClinicScopedQuerySet["RetentionPolicy"]):
    area = "clinic"


class RetentionPolicy(models.Model):
    """Keep a client's clinical record ``years_after_last_contact``; for a client who was a
    minor at the last contact, also until ``years_after_majority`` after they came of age."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.OneToOneField(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="retention_policy"
    )
    preset = models.CharField(max_length=10, choices=Preset.choices, default=Preset.UK)
    years_after_last_contact = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_YEARS)],
        help_text="Years the record is kept after the client's last contact.",
    )
    age_of_majority = models.PositiveSmallIntegerField(
        default=18,
        validators=[MinValueValidator(14), MaxValueValidator(25)],
        help_text="The age at which a client is an adult where the clinic practises.",
    )
    years_after_majority = models.PositiveSmallIntegerField(
        default=7,
        validators=[MaxValueValidator(MAX_YEARS)],
        help_text="For minors: years kept after they reach that age (7 → until 25 in the UK).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[PolicyQuerySet] = PolicyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name_plural = "retention policies"
        constraints = (
            models.CheckConstraint(
                condition=Q(years_after_last_contact__gte=1)
                & Q(years_after_last_contact__lte=MAX_YEARS)
                & Q(years_after_majority__lte=MAX_YEARS)
                & Q(age_of_majority__gte=14)
                & Q(age_of_majority__lte=25),
                name="retention_policy_years_in_range",
            ),
        )

    def __str__(self) -> str:
        return f"keep {self.years_after_last_contact} years"

    @classmethod
    def for_clinic(cls, clinic_id: uuid.UUID | str) -> RetentionPolicy:
        """The clinic's saved rule, or the default (UK) rule unsaved."""
        found = cls.objects.filter(clinic_id=clinic_id).first()
        return found or cls(clinic_id=clinic_id)


class Reason(models.TextChoices):
    """Why a client was erased: a category only, never free text (it could name someone)."""

    CLIENT_REQUEST = "client_request", "The client asked to be erased"
    CREATED_IN_ERROR = "created_in_error", "The record was created in error or is a duplicate"
    NO_LONGER_NEEDED = "no_longer_needed", "The data is no longer needed"
    OTHER = "other", "Another lawful reason"


class ErasureQuerySet(ClinicScopedQuerySet["Erasure"]):
    area = "clinic"

    def held(self) -> ErasureQuerySet:
        return self.filter(purged_at__isnull=True)


class Erasure(models.Model):
    """One erased client: a pseudonymous reference, and what is held for retention until when.

    ``retained_name`` and ``retained_date_of_birth`` say whom the held record is about
    (a record nobody can find is not kept); they are blanked when the hold ends.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.OneToOneField(
        "clients.Client", on_delete=models.PROTECT, related_name="erasure"
    )
    reference = models.CharField(max_length=20, unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    erased_by = models.ForeignKey(
        "clinics.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField()
    last_contact = models.DateField()
    retained_until = models.DateField(
        help_text="The held clinical record is removed after this day."
    )
    retained_name = models.CharField(max_length=250, blank=True)
    retained_date_of_birth = models.DateField(null=True, blank=True)
    held = models.JSONField(default=dict, blank=True, help_text="What is held: kind → count.")
    purged_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ErasureQuerySet] = ErasureQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-erased_at",)
        indexes = (models.Index(fields=("purged_at", "retained_until")),)
        constraints = (
            models.CheckConstraint(
                condition=Q(purged_at__isnull=True)
                | (Q(retained_name="") & Q(retained_date_of_birth__isnull=True)),
                name="erasure_purged_holds_no_identity",
            ),
        )

    def __str__(self) -> str:
        return self.reference

    @property
    def is_held(self) -> bool:
        return self.purged_at is None
