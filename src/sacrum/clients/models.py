"""The people a clinic serves."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet

# Fields only clinical roles may read or write (never the front desk).
CLINICAL_FIELDS = ("presenting_concerns",)


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
    presenting_concerns = models.TextField(
        max_length=4000, blank=True, help_text="Clinical: why the client comes, in their words."
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
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()
