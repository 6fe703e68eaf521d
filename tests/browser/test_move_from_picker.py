"""In a real browser at 1024x768: the front desk moves an appointment to a free time on the
next day from the appointment page's picker (tap a time, see from → to, confirm), and a
practitioner charts a session that took place in one tap from its appointment page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sacrum.clinics.models import Location
from sacrum.scheduling.local_time import local, to_utc, zone
from sacrum.scheduling.models import Appointment, ServiceType, WeeklyHours
from sacrum.scheduling.services.booking import Booking, book
from tests.browser.conftest import Shots
from tests.charting.objects import make_chartable, new_client
from tests.conftest import PASSWORD, Persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONDON = "Europe/London"


def _sign_in(page: Any, persona: Persona, target: str) -> None:
    page.goto(f"/accounts/login/?next={target}")
    page.fill("#id_login", persona.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()


def _practice(owner: Persona, practitioner: Persona) -> tuple[Location, ServiceType]:
    """A location where the practitioner works 09:00-17:00 every day of the week."""
    location = Location.objects.create(clinic=owner.clinic, name="Main", time_zone=LONDON)
    service = ServiceType.objects.create(
        clinic=owner.clinic, name="Session", duration_minutes=50, needs_room=False
    )
    service.practitioners.set([practitioner.member])
    for weekday in range(7):
        WeeklyHours.objects.create(
            practitioner=practitioner.member,
            location=location,
            weekday=weekday,
            start_time=dt.time(9),
            end_time=dt.time(17),
        )
    return location, service


def test_move_an_appointment_to_a_free_time_the_next_day(
    page: Any, owner: Persona, practitioner: Persona, front_desk: Persona, shot: Shots
) -> None:
    location, service = _practice(owner, practitioner)
    client = new_client(owner, "Mara", "Quist")
    tz = zone(LONDON)
    day = local(timezone.now(), tz).date() + dt.timedelta(days=2)
    appointment = book(
        actor=owner.actor,
        booking=Booking(
            client=client,
            practitioner=practitioner.member,
            service=service,
            location=location,
            start=to_utc(day, dt.time(10), tz),
        ),
    )
    next_day = day + dt.timedelta(days=1)

    _sign_in(page, front_desk, f"/appointments/{appointment.pk}/")
    picker = page.locator("#move-picker")
    expect(picker.get_by_role("heading", name="Move to a free time")).to_be_visible()
    expect(picker.locator("#h-picker-day")).to_have_text(f"{day:%A} {day.day} {day:%B %Y}")
    picker.scroll_into_view_if_needed()
    shot(page, "picker")

    picker.get_by_role("link", name="Day after").click()
    expect(page).to_have_url(re.compile(rf"day={next_day}&with=.*#move-picker$"))
    expect(picker.locator("#h-picker-day")).to_have_text(
        f"{next_day:%A} {next_day.day} {next_day:%B %Y}"
    )
    time = picker.locator("a.free-time", has_text="14:00")
    box = time.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44  # a tap target
    shot(page, "next-day")
    time.click()

    confirm = page.locator("#move-confirm")
    expect(confirm.get_by_role("heading", name="Move this appointment?")).to_be_visible()
    expect(confirm.locator("#move-from")).to_contain_text(f"{day:%A} {day.day} {day:%B}, 10:00")
    expect(confirm.locator("#move-to")).to_contain_text(
        f"{next_day:%A} {next_day.day} {next_day:%B}, 14:00\u201314:50"
    )
    expect(confirm).to_be_in_viewport()
    shot(page, "confirm")
    confirm.get_by_label("Reason (optional)").fill("Client asked by phone")
    confirm.get_by_role("button", name="Move to this time").click()

    expect(page.locator(".message, [role=status]").first).to_contain_text(
        "The appointment was moved."
    )
    expect(page.locator("h1")).to_contain_text(f"{next_day:%A} {next_day.day} {next_day:%B}, 14:00")
    history = page.locator("section", has=page.get_by_role("heading", name="History"))
    expect(history).to_contain_text("Rescheduled")
    expect(history).to_contain_text(
        f"From {day:%a} {day.day} {day:%b} 10:00 to {next_day:%a} {next_day.day} {next_day:%b} 14:00"
    )
    expect(history).to_contain_text("Client asked by phone")
    shot(page, "moved")
    appointment.refresh_from_db()
    assert appointment.start == to_utc(next_day, dt.time(14), tz)


def test_chart_this_session_opens_the_editor_in_one_tap(
    page: Any, owner: Persona, practitioner: Persona, shot: Shots
) -> None:
    location, service = _practice(owner, practitioner)
    client = make_chartable(practitioner, new_client(owner, "Lio", "Brandt"))
    start = timezone.now() - dt.timedelta(hours=3)
    session = Appointment.objects.create(
        clinic=owner.clinic,
        client=client,
        practitioner=practitioner.member,
        service=service,
        location=location,
        start=start,
        end=start + dt.timedelta(minutes=50),
        blocked_start=start,
        blocked_end=start + dt.timedelta(minutes=50),
        status="completed",
    )
    _sign_in(page, practitioner, f"/appointments/{session.pk}/")
    chart = page.get_by_role("button", name="Chart this session")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["height"] >= 44
    shot(page, "appointment")
    chart.click()
    expect(page).to_have_url(re.compile(r"/notes/[0-9a-f-]+/$"))
    expect(page.locator(".badge.warn")).to_have_text("Draft")
    expect(page.get_by_role("button", name="Review and sign…")).to_be_visible()
    shot(page, "editor")


def test_drag_an_appointment_onto_a_free_time_in_the_calendar(
    page: Any, owner: Persona, practitioner: Persona, front_desk: Persona, shot: Shots
) -> None:
    location, service = _practice(owner, practitioner)
    client = new_client(owner, "Tove", "Lind")
    tz = zone(LONDON)
    day = local(timezone.now(), tz).date() + dt.timedelta(days=1)
    appointment = book(
        actor=owner.actor,
        booking=Booking(
            client=client,
            practitioner=practitioner.member,
            service=service,
            location=location,
            start=to_utc(day, dt.time(10), tz),
        ),
    )
    _sign_in(page, front_desk, f"/calendar/?date={day}&location={location.pk}")
    card = page.locator("a.appt", has_text="Tove Lind")
    expect(card).to_have_attribute("draggable", "true")
    free = page.locator("a.cal-free", has_text="14:00").first
    free.scroll_into_view_if_needed()
    card.drag_to(free)
    expect(page).to_have_url(
        re.compile(rf"/appointments/{appointment.pk}/\?day={day}&.*#move-confirm$")
    )
    confirm = page.locator("#move-confirm")
    expect(confirm.locator("#move-to")).to_contain_text(
        f"{day:%A} {day.day} {day:%B}, 14:00\u201314:50"
    )
    shot(page, "dropped-confirm")
    appointment.refresh_from_db()
    assert appointment.start == to_utc(day, dt.time(10), tz)  # nothing moved before confirming
    confirm.get_by_role("button", name="Move to this time").click()
    expect(page.locator("h1")).to_contain_text(f"{day.day} {day:%B}, 14:00")
    appointment.refresh_from_db()
    assert appointment.start == to_utc(day, dt.time(14), tz)
