"""Scheduling pages through the Django test client: calendar, booking, appointment, services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.http import HttpRequest
from django.template import Context, Template
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Room
from sacrum.scheduling.models import Appointment, ServiceType
from tests.conftest import Persona
from tests.scheduling.conftest import at


@pytest.fixture
def rf_request() -> Callable[[Persona], HttpRequest]:
    def make(persona: Persona) -> HttpRequest:
        request = RequestFactory().get("/")
        request.user = persona.user
        request.member = persona.member  # type: ignore[attr-defined]
        return request

    return make


def test_calendar_day_and_week_show_appointments_and_free_slots(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    location: Location,
    practitioner: Persona,
) -> None:
    appt = booked("10:00")
    http = browser_as(front_desk)
    day = http.get(f"/calendar/?date={monday}&location={location.pk}")
    assert day.status_code == 200
    html = day.content.decode()
    assert f"/appointments/{appt.pk}/" in html and "10:00\u201310:50 Ada Lovelace" in html
    pat = f"&amp;practitioner={practitioner.member.pk}"
    assert f"start={monday}T11%3A00{pat}" in html  # the next free quarter is a booking link
    assert f"start={monday}T10%3A15{pat}" not in html
    week = http.get(
        f"/calendar/?date={monday}&view=week&location={location.pk}&who={practitioner.member.pk}"
    )
    assert week.status_code == 200 and "Ada Lovelace" in week.content.decode()
    rooms = http.get(f"/calendar/?date={monday}&by=room&location={location.pk}")
    assert "Cedar" in rooms.content.decode()


def test_calendar_query_count_does_not_grow_with_appointments(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    location: Location,
    second_client: Client,
) -> None:
    http = browser_as(front_desk)
    url = f"/calendar/?date={monday}&location={location.pk}"
    booked("09:00")
    http.get(url)  # the first page remembers the clinic in the session: a write, once
    with CaptureQueriesContext(connection) as one:
        http.get(url)
    for hhmm in ("11:00", "13:00", "15:00"):
        booked(hhmm, client=second_client)
    with CaptureQueriesContext(connection) as four:
        http.get(url)
    assert len(four.captured_queries) == len(one.captured_queries)


def test_book_from_the_form_and_a_conflict_shows_the_reason(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    a_client: Client,
    second_client: Client,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
) -> None:
    http = browser_as(front_desk)
    form = {
        "client": a_client.pk,
        "service": service.pk,
        "practitioner": practitioner.member.pk,
        "location": location.pk,
        "start": f"{monday}T10:00",
        "room": "",
        "note": "Ring the bell",
    }
    response = http.post("/calendar/book", form)
    appt = Appointment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/appointments/{appt.pk}/"
    assert appt.start == at(monday, "10:00") and appt.front_desk_note == "Ring the bell"
    response = http.post(
        "/calendar/book", {**form, "client": second_client.pk, "start": f"{monday}T10:30"}
    )
    assert response.status_code == 200
    assert "Pat Practitioner already has an appointment" in response.content.decode()
    response = http.post(
        "/calendar/book", {**form, "client": second_client.pk, "start": f"{monday}T19:00"}
    )
    assert "outside" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_appointment_page_moves_cancels_and_checks_in(
    browser_as: Callable[[Persona], HttpClient],
    owner: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    appt = booked("10:00")
    http = browser_as(owner)
    page = http.get(f"/appointments/{appt.pk}/")
    assert page.status_code == 200 and "Reschedule or reassign" in page.content.decode()
    moved = http.post(
        f"/appointments/{appt.pk}/reschedule",
        {
            "start": f"{monday}T14:00",
            "practitioner": appt.practitioner_id,
            "room": "",
            "reason": "Bus",
        },
    )
    assert moved.status_code == 302
    appt.refresh_from_db()
    assert appt.start == at(monday, "14:00")
    assert "Bus" in http.get(f"/appointments/{appt.pk}/").content.decode()

    from types import SimpleNamespace

    from sacrum.scheduling.services import booking

    monkeypatch.setattr(booking, "timezone", SimpleNamespace(now=lambda: at(monday, "13:30")))
    http.post(f"/appointments/{appt.pk}/status", {"status": "arrived"})
    appt.refresh_from_db()
    assert appt.status == "arrived"
    cancelled = http.post(f"/appointments/{appt.pk}/cancel", {"reason": "x", "by": "client"})
    assert cancelled.status_code == 302
    appt.refresh_from_db()
    assert appt.status == "arrived"  # an arrived client cannot be cancelled


def test_services_page_is_for_owners(
    browser_as: Callable[[Persona], HttpClient], owner: Persona, practitioner: Persona
) -> None:
    assert browser_as(practitioner).get("/services/new").status_code == 403
    http = browser_as(owner)
    response = http.post(
        "/services/new",
        {
            "name": "First visit",
            "duration_minutes": 75,
            "buffer_before_minutes": 0,
            "buffer_after_minutes": 15,
            "price": "85.00",
            "needs_room": "on",
            "active": "on",
            "practitioners": [practitioner.member.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    service = ServiceType.objects.get(name="First visit")
    assert list(service.practitioners.all()) == [practitioner.member]
    response = http.post(
        f"/services/{service.pk}/edit",
        {
            "name": "First visit",
            "duration_minutes": 200,
            "buffer_before_minutes": 0,
            "buffer_after_minutes": 0,
            "price": "1",
        },
    )
    assert response.status_code == 200 and "120" in response.content.decode()
    assert "First visit" in browser_as(practitioner).get("/services/").content.decode()


def test_working_hours_page(
    browser_as: Callable[[Persona], HttpClient],
    practitioner: Persona,
    location: Location,
    front_desk: Persona,
) -> None:
    http = browser_as(practitioner)
    response = http.post(
        "/schedule/hours/",
        {
            "action": "hours",
            "h-location": location.pk,
            "h-weekday": 2,
            "h-start_time": "09:00",
            "h-end_time": "12:30",
        },
    )
    assert response.status_code == 302
    page = http.get("/schedule/hours/").content.decode()
    assert "09:00\u201312:30" in page
    assert (
        "Add hours"
        not in browser_as(front_desk)
        .get(f"/schedule/hours/?who={practitioner.member.pk}")
        .content.decode()
    )


def test_client_appointments_include(
    rf_request: Callable[[Persona], HttpRequest],
    a_client: Client,
    booked: Callable[..., Appointment],
    owner: Persona,
    monday: dt.date,
) -> None:
    booked("10:00")
    html = Template("{% load scheduling %}{% client_appointments client %}").render(
        Context({"request": rf_request(owner), "client": a_client})
    )
    assert "Upcoming" in html and "Follow-up with Pat Practitioner" in html
    assert f"{monday:%a} {monday.day} {monday:%b} {monday.year}, 10:00" in html


def test_another_clinic_sees_none_of_it(
    browser_as: Callable[[Persona], HttpClient],
    outsider: Persona,
    booked: Callable[..., Appointment],
) -> None:
    appt = booked("10:00")
    http = browser_as(outsider)
    assert http.get(f"/appointments/{appt.pk}/").status_code == 404
    assert http.post(f"/appointments/{appt.pk}/cancel", {"by": "client"}).status_code == 404
    assert Appointment.objects.get().status == "booked"
