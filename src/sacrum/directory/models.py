"""What the public directory keeps beside the clinic's own records.

A ``Listing`` gives a practitioner profile its lasting public address (slug), the
conditions people come to them for, and a photo. ``HiddenService`` keeps a service
out of the directory and the feed. ``FeedFile`` holds the slot feed the worker last
wrote (in the database, so every app server answers the same). ``CredentialReminder``
makes each expiry reminder go out once.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet
from sacrum.clients.models import validate_conditions


def photo_upload_to(instance: Listing, filename: str) -> str:
    return f"directory/photos/{instance.profile_id}/{uuid.uuid4()}.jpg"


class ListingQuerySet(ClinicScopedQuerySet["Listing"]):
    area = "profile"
    clinic_path = "profile__membership__clinic"


class Listing(models.Model):
    """A practitioner profile's public side: address, conditions people come for, photo."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    profile = models.OneToOneField(
        "clinics.PractitionerProfile", on_delete=models.CASCADE, related_name="listing"
    )
    slug = models.SlugField(max_length=80, unique=True)
    conditions = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_conditions],
        help_text="What people come to this practitioner for (from the clinic's list).",
    )
    photo = models.FileField(upload_to=photo_upload_to, blank=True)

    objects: ClassVar[ListingQuerySet] = ListingQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("slug",)

    def __str__(self) -> str:
        return self.slug


class HiddenServiceQuerySet(ClinicScopedQuerySet["HiddenService"]):
    area = "service"
    clinic_path = "service__clinic"


class HiddenService(models.Model):
    """A service the owner keeps out of the public directory and the slot feed."""

    service = models.OneToOneField(
        "scheduling.ServiceType", on_delete=models.CASCADE, related_name="directory_hidden"
    )

    objects: ClassVar[HiddenServiceQuerySet] = HiddenServiceQuerySet.as_manager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return f"Hidden: {self.service_id}"


class FeedFile(models.Model):
    """One file of the SMART Scheduling Links feed as the worker last wrote it."""

    name = models.CharField(max_length=40, primary_key=True)
    body = models.TextField(blank=True)
    generated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class ReminderRecipient(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    OWNER = "owner", "Owner"


class CredentialReminder(models.Model):
    """A credential-expiry reminder sent (or queued): one per credential, expiry, lead and person."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    credential = models.ForeignKey(
        "clinics.Credential", on_delete=models.CASCADE, related_name="expiry_reminders"
    )
    expires_on = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    recipient = models.CharField(max_length=20, choices=ReminderRecipient.choices)
    to_user = models.ForeignKey("access.User", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.UniqueConstraint(
                fields=("credential", "expires_on", "days_before", "recipient", "to_user"),
                name="credential_reminder_once",
            ),
            models.CheckConstraint(
                condition=Q(recipient__in=["practitioner", "owner"]),
                name="credential_reminder_recipient_valid",
            ),
        )

    def __str__(self) -> str:
        return f"{self.days_before}-day reminder for {self.credential_id}"
