"""In a real browser: a practitioner's dashboard lists the sessions that took place with no
note yet, and one tap starts the note of that session and opens the editor: it can be
written up even while the client's paperwork is missing (listed there to follow up)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sacrum.charting.models import SessionNote
from sacrum.clinics.models import Location
from sacrum.scheduling.models import Appointment, ServiceType
from tests.browser.conftest import Shots
from tests.charting.objects import new_client
from tests.conftest import PASSWORD, Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_session_without_a_note_is_on_the_dashboard(
    page: Any, owner: Persona, practitioner: Persona, shot: Shots
) -> None:
    client = new_client(owner, "Ines", "Moreau")  # no consent signed, no intake yet
    service = ServiceType.objects.create(
        clinic=owner.clinic, name="Session", duration_minutes=50, needs_room=False
    )
    start = timezone.now() - dt.timedelta(days=1)
    session = Appointment.objects.create(
        clinic=owner.clinic,
        client=client,
        practitioner=practitioner.member,
        service=service,
        location=Location.objects.create(
            clinic=owner.clinic, name="Main", time_zone="Europe/London"
        ),
        start=start,
        end=start + dt.timedelta(minutes=50),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=50),
        status="completed",
    )

    page.goto("/accounts/login/?next=/")
    page.fill("#id_login", practitioner.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()
    card = page.locator("section", has=page.get_by_role("heading", name="Notes to write and sign"))
    expect(card).to_contain_text("Sessions with no note")
    expect(card).to_contain_text("Ines Moreau")
    button = card.get_by_role("button", name="Chart this session of Ines Moreau")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44
    shot(page, "dashboard")
    button.click()  # one tap: the draft starts and the note editor opens
    expect(page).to_have_url(re.compile(r"/notes/[0-9a-f-]+/$"))
    expect(page.locator(".badge.warn")).to_have_text("Draft")
    assert SessionNote.objects.filter(appointment=session).exists()
    # What screening still asks for is there to follow up; it does not stop the write-up.
    followups = page.locator(
        "section", has=page.get_by_role("heading", name="Paperwork to follow up")
    )
    expect(followups).to_contain_text("has not signed the consent form")
    shot(page, "editor-with-followups")
