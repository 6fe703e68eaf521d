"""`sacrum worker` sends queued e-mail; an invitation's e-mail waits for the worker."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from sacrum.clinics.services import invite
from tests.conftest import Persona

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_invitation_email_is_sent_by_the_worker(owner: Persona) -> None:
    with override_settings(TASKS=DB_TASKS):
        invite(actor=owner.actor, email="new.colleague@example.test", role="practitioner")
        assert mail.outbox == []  # queued, not sent inside the request
        call_command("worker", batch=True, no_startup_delay=True, verbosity=0)
    assert [m.to for m in mail.outbox] == [["new.colleague@example.test"]]
    assert "/invitations/" in mail.outbox[0].body
