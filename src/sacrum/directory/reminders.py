"""Reminders before a credential expires: to the practitioner and the clinic's owners.

At 60 and at 14 days before the expiry date (``LEADS``), once each: a row in
``CredentialReminder`` (unique per credential, expiry date, lead and person) is written
in the same transaction that queues the e-mail, so a second tick, or two workers at
once, queue nothing more. A renewed credential (a new expiry date) is reminded afresh.
The queue holds only the reminder's id; the worker renders the text at send time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from sacrum.access.roles import Role
from sacrum.clinics.mail import sender_of
from sacrum.clinics.models import Credential, Membership, VerificationState
from sacrum.directory.models import CredentialReminder, ReminderRecipient
from sacrum.kernel.mail import Message, enqueue_message, message

LEADS = (60, 14)
KIND = "sacrum.directory.reminders:credential_expiry"


def due(today: dt.date) -> int:
    """Queue every reminder due on or before ``today`` that was not queued yet."""
    queued = 0
    longest = max(LEADS)
    credentials = (
        Credential.objects.filter(
            expires_on__gte=today,
            expires_on__lte=today + dt.timedelta(days=longest),
            profile__membership__active=True,
        )
        .exclude(verification_state=VerificationState.REJECTED)
        .select_related("profile__membership")
    )
    owners: dict[Any, list[Any]] = {}
    for credential in credentials:
        assert credential.expires_on is not None
        days_left = (credential.expires_on - today).days
        # The shortest lead that has been reached: 14 when 14 or fewer days are left.
        reached = [lead for lead in LEADS if days_left <= lead]
        if not reached:
            continue
        lead = min(reached)
        member = credential.profile.membership
        clinic_id = member.clinic_id
        if clinic_id not in owners:
            owners[clinic_id] = list(
                Membership.objects.filter(
                    clinic_id=clinic_id, role=Role.OWNER, active=True
                ).values_list("user_id", flat=True)
            )
        people = [(ReminderRecipient.PRACTITIONER, member.user_id)] + [
            (ReminderRecipient.OWNER, user_id)
            for user_id in owners[clinic_id]
            if user_id != member.user_id
        ]
        for recipient, user_id in people:
            try:
                with transaction.atomic():
                    reminder = CredentialReminder.objects.create(
                        credential=credential,
                        expires_on=credential.expires_on,
                        days_before=lead,
                        recipient=recipient,
                        to_user_id=user_id,
                    )
                    enqueue_message(KIND, reminder.pk)
            except IntegrityError:
                continue  # already queued for this lead (or by another worker just now)
            queued += 1
    return queued


@message(KIND)
def credential_expiry(ref: str) -> Message | None:
    reminder = (
        CredentialReminder.objects.filter(pk=ref)
        .select_related("credential__profile__membership__clinic", "to_user")
        .first()
    )
    if reminder is None or reminder.to_user is None:
        return None
    credential = reminder.credential
    if credential.expires_on != reminder.expires_on:
        return None  # renewed since: nothing to remind
    profile = credential.profile
    clinic = profile.membership.clinic
    link = f"{settings.SITE_URL}{reverse('web:profile_detail', args=[profile.pk])}"
    whose = (
        "Your"
        if reminder.recipient == ReminderRecipient.PRACTITIONER
        else f"{profile.display_name}'s"
    )
    body = (
        f"{whose} credential “{credential.title}” ({credential.issuing_body}) expires on "
        f"{credential.expires_on:%d %B %Y}, in {(credential.expires_on - reminder.created_at.date()).days} days.\n\n"
        "After that date the public directory no longer shows it as verified by the clinic. "
        "Once it is renewed, add the new expiry date and the new certificate; an owner then "
        "checks the evidence again.\n\n"
        f"{link}\n\n{clinic.name}\n"
    )
    return Message(
        subject=f"A credential expires on {credential.expires_on:%d %B %Y}",
        body=body,
        to=[reminder.to_user.email],
        sender=sender_of(clinic),
    )
