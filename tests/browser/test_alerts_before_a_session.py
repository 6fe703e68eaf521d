"""In a real browser: a client's safety alerts show where the practitioner looks before a
session (the dashboard's schedule, the calendar card, the appointment page), and the
front desk sees no clinical warning there."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sacrum.clinics.models import Location
from sacrum.scheduling.models import Appointment, ServiceType
from sacrum.screening import services as screening_services
from tests.browser.conftest import Shots
from tests.charting.objects import new_client
from tests.conftest import PASSWORD, Persona
from tests.screening.helpers import quiet_answers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, persona: Persona, target: str) -> None:
    page.goto(f"/accounts/login/?next={target}")
    page.fill("#id_login", persona.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()


def test_alerts_show_where_the_practitioner_looks_before_a_session(
    page: Any, owner: Persona, practitioner: Persona, front_desk: Persona, shot: Shots
) -> None:
    client = new_client(owner, "Ruth", "Abara")
    screening_services.submit_intake(
        actor=practitioner.actor,
        client=client,
        answers=quiet_answers("intake") | {"anticoagulants": "yes"},
    )
    service = ServiceType.objects.create(
        clinic=owner.clinic, name="Session", duration_minutes=50, needs_room=False
    )
    start = timezone.now() + dt.timedelta(hours=2)
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
        status="booked",
    )

    _sign_in(page, practitioner, "/")
    schedule = page.locator("section", has=page.get_by_role("heading", name="Your schedule today"))
    expect(schedule.locator("tr", has_text="Ruth Abara")).to_contain_text("warning")
    shot(page, "dashboard")

    page.goto(f"/calendar/?date={timezone.localdate()}")
    card = page.locator("a.appt", has_text="Ruth Abara")
    expect(card).to_contain_text("warning")
    card.scroll_into_view_if_needed()
    shot(page, "calendar")

    card.click()
    expect(page).to_have_url(re.compile(f"/appointments/{session.pk}/$"))
    expect(page.locator("main")).to_contain_text("anticoagulant")
    shot(page, "appointment")

    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, front_desk, "/")
    schedule = page.locator("section", has=page.get_by_role("heading", name="Schedule today"))
    expect(schedule.locator("tr", has_text="Ruth Abara")).to_be_visible()
    expect(schedule).not_to_contain_text("warning")
    page.goto(f"/appointments/{session.pk}/")
    expect(page.locator("main")).not_to_contain_text("anticoagulant")
