"""Reminders before a credential expires, at 60 and 14 days, each sent once."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.utils import timezone

from sacrum.clinics.models import VerificationState
from sacrum.directory import reminders
from sacrum.directory.models import CredentialReminder
from tests.directory.conftest import World, credential


def test_sixty_then_fourteen_days_ahead_to_the_practitioner_and_the_owner(
    world: World,
) -> None:
    today = timezone.localdate()
    expiring = credential(
        world.profile,
        "Registration",
        VerificationState.VERIFIED,
        expires_on=today + dt.timedelta(days=59),
    )
    mail.outbox.clear()
    assert reminders.due(today) == 2
    assert reminders.due(today) == 0  # idempotent
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {world.practitioner.user.email, world.owner.user.email}
    assert "expires on" in sent[world.practitioner.user.email].body
    assert "Your credential “Registration”" in sent[world.practitioner.user.email].body
    assert "Pat Practitioner's credential" in sent[world.owner.user.email].body
    assert reminders.due(today + dt.timedelta(days=40)) == 0
    assert reminders.due(today + dt.timedelta(days=46)) == 2  # 13 days left: the 14-day one
    assert reminders.due(today + dt.timedelta(days=50)) == 0
    assert CredentialReminder.objects.filter(credential=expiring).count() == 4
    # Renewed: a new expiry date is reminded afresh.
    expiring.expires_on = today + dt.timedelta(days=100)
    expiring.save()
    assert reminders.due(today + dt.timedelta(days=45)) == 2
