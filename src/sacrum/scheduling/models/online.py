"""Online booking's two kinds of e-mailed link.

``OnlineRequest``: what someone asked for on the public page, waiting until they open
the link we e-mailed (that proves the address is theirs, and the page never has to say
whether it knew the address). ``ManageLink``: the link in the confirmation e-mail to
reschedule or cancel. Both keep only a SHA-256 digest of their token; the raw token is
in the e-mail alone (see ``scheduling/links.py``).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import F, Q

from sacrum.access.scoping import ClinicScopedQuerySet


class OnlineRequestQuerySet(ClinicScopedQuerySet["OnlineRequest"]):
    area = "schedule"


class OnlineRequest(models.Model):
    """A slot asked for online by a new or returning client, until the e-mailed link is used.

    Rows are deleted a day after they expire (``periodic.py``): the name, address and
    date of birth of someone who never confirmed are not kept.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="online_requests"
    )
    service = models.ForeignKey(
        "scheduling.ServiceType", on_delete=models.CASCADE, related_name="+"
    )
    location = models.ForeignKey("clinics.Location", on_delete=models.CASCADE, related_name="+")
    practitioner = models.ForeignKey(
        "clinics.Membership",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: anyone who offers the service.",
    )
    start = models.DateTimeField()
    new_client = models.BooleanField()
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField()
    date_of_birth = models.DateField()
    phone = models.CharField(max_length=40, blank=True)
    created_client = models.ForeignKey(
        "clients.Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The client record made for this request (a new client), to remove if "
        "the hold lapses unconfirmed.",
    )
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects: ClassVar[OnlineRequestQuerySet] = OnlineRequestQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="online_request_expires_later",
            ),
            models.CheckConstraint(
                condition=Q(new_client=False) | (~Q(first_name="") & ~Q(last_name="")),
                name="online_request_new_client_has_name",
            ),
        )
        indexes = (models.Index(fields=("expires_at",), name="online_request_expiry"),)

    def __str__(self) -> str:
        return f"Online request {self.pk}"


class ManageLinkQuerySet(ClinicScopedQuerySet["ManageLink"]):
    area = "schedule"
    clinic_path = "appointment__clinic"


class ManageLink(models.Model):
    """The client's link to reschedule or cancel one appointment, until it starts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.CASCADE, related_name="manage_links"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    sent_to = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[ManageLinkQuerySet] = ManageLinkQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        constraints = (
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="manage_link_expires_later"
            ),
        )

    def __str__(self) -> str:
        return f"Manage link for {self.appointment_id}"
