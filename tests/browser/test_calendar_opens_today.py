"""In a real browser on a landscape tablet: the calendar opens where the practitioner
works today, at the present (the now-line in view), with most of the working day shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sacrum.clinics.models import Location
from sacrum.scheduling.local_time import aware, zone
from sacrum.scheduling.models import Appointment, ServiceType, WeeklyHours
from tests.browser.conftest import Shots
from tests.charting.objects import new_client
from tests.conftest import PASSWORD, Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_calendar_opens_where_and_when_the_practitioner_works(
    page: Any, owner: Persona, practitioner: Persona, shot: Shots
) -> None:
    london = "Europe/London"
    Location.objects.create(clinic=owner.clinic, name="Aardvark Lane", time_zone=london)
    riverside = Location.objects.create(clinic=owner.clinic, name="Riverside", time_zone=london)
    today = timezone.now().astimezone(zone(london)).date()
    WeeklyHours.objects.create(
        practitioner=practitioner.member,
        location=riverside,
        weekday=today.weekday(),
        start_time=dt.time(8, 0),
        end_time=dt.time(20, 0),
    )
    service = ServiceType.objects.create(
        clinic=owner.clinic, name="Session", duration_minutes=50, needs_room=False
    )
    client = new_client(owner, "Ruth", "Abara")
    now_hour = timezone.now().astimezone(zone(london)).hour
    for hour in (8, max(8, now_hour - 1), min(19, now_hour + 1)):
        start = aware(dt.datetime.combine(today, dt.time(hour, 0)), zone(london))
        Appointment.objects.create(
            clinic=owner.clinic,
            client=client,
            practitioner=practitioner.member,
            service=service,
            location=riverside,
            start=start,
            end=start + dt.timedelta(minutes=50),
            blocked_start=start,
            blocked_end=start + dt.timedelta(minutes=50),
            status="booked",
        )

    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto("/accounts/login/?next=/calendar/")
    page.fill("#id_login", practitioner.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("#cal-location option:checked")).to_have_text("Riverside")
    now_line = page.locator(".cal-now")
    expect(now_line).to_be_in_viewport()
    expect(page.locator("a.appt").nth(1)).to_be_in_viewport()
    hours = page.locator(".cal-hour")
    seen = [
        h
        for h in range(hours.count())
        if hours.nth(h).evaluate(
            "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
        )
    ]
    assert len(seen) >= 8, f"only {len(seen)} hours in view"
    shot(page, "calendar-landscape")
