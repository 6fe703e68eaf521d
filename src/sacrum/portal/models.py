"""A client's login to their own record: one ``PortalAccount`` per client and clinic.

An account starts as an invitation (only the SHA-256 of its one-time token is stored),
becomes active when the client sets a password or links a login they already have,
and ends when staff revoke it. A revoked row stays as history; inviting again makes a
new row. The database holds the rules: at most one live account per client, and a
user is the client of at most one record per clinic.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from sacrum.access.scoping import ClinicScopedQuerySet
from sacrum.kernel.models import AppendOnly, RefusesBulkChanges


class PortalAccountQuerySet(ClinicScopedQuerySet["PortalAccount"]):
    """Staff see the accounts of their clinic's clients (``client.view``/``client.edit``)."""

    area = "client"

    def live(self) -> PortalAccountQuerySet:
        return self.filter(revoked_at__isnull=True)

    def active(self) -> PortalAccountQuerySet:
        """Accounts a client can sign in to now."""
        return self.filter(
            revoked_at__isnull=True, activated_at__isnull=False, user__is_active=True
        )


class PortalAccount(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.CASCADE, related_name="portal_accounts"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="portal_accounts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="portal_accounts",
    )
    email = models.EmailField(help_text="Where the invitation went; the login must match it.")
    token_digest = models.CharField(max_length=64, unique=True)
    token_expires_at = models.DateTimeField()
    token_used_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar[PortalAccountQuerySet] = PortalAccountQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-invited_at",)
        constraints = (
            models.UniqueConstraint(
                fields=("client",),
                condition=Q(revoked_at__isnull=True),
                name="portal_one_live_account_per_client",
            ),
            models.UniqueConstraint(
                fields=("clinic", "user"),
                condition=Q(revoked_at__isnull=True, user__isnull=False),
                name="portal_one_client_per_user_per_clinic",
            ),
            models.CheckConstraint(
                condition=Q(activated_at__isnull=True)
                | Q(user__isnull=False, token_used_at__isnull=False),
                name="portal_active_has_user_and_used_token",
            ),
            models.CheckConstraint(
                condition=Q(token_expires_at__gt=models.F("invited_at")),
                name="portal_token_expires_later",
            ),
        )
        indexes = (models.Index(fields=("user", "revoked_at")),)

    def __str__(self) -> str:
        return f"Portal access for {self.client_id} ({self.state})"

    @property
    def state(self) -> str:
        """``revoked``, ``active``, ``expired`` (invitation not taken up in time) or ``invited``."""
        from django.utils import timezone

        if self.revoked_at is not None:
            return "revoked"
        if self.activated_at is not None:
            return "active"
        if self.token_expires_at <= timezone.now():
            return "expired"
        return "invited"


class RecordCopyQuerySet(RefusesBulkChanges, ClinicScopedQuerySet["RecordCopy"]):
    area = "clinical"
    locked_message = "Copies made of a record are append-only."


class RecordCopy(AppendOnly):
    """A copy of a client's record that staff made for the client (a request by post).

    The audit log keeps no text; this row keeps why the copy was made.
    """

    locked_message = "Copies made of a record are append-only."

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        JSON = "json", "JSON"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    made_by = models.ForeignKey("clinics.Membership", on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)
    format = models.CharField(max_length=4, choices=Format.choices)
    reason = models.CharField(max_length=500)

    objects: ClassVar[RecordCopyQuerySet] = RecordCopyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-made_at",)
        constraints = (
            models.CheckConstraint(condition=~Q(reason=""), name="portal_record_copy_reason_given"),
        )

    def __str__(self) -> str:
        return f"Record copy for {self.client_id} at {self.made_at:%Y-%m-%d %H:%M}"
