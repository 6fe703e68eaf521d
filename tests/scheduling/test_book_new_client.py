"""Booking a new client from the booking form, and the clients' type-ahead sources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.test import Client as HttpClient

from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Room
from sacrum.scheduling.models import Appointment, ServiceType
from tests.conftest import Persona
from tests.scheduling.conftest import at


def _form(
    practitioner: Persona, service: ServiceType, location: Location, monday: dt.date
) -> dict[str, object]:
    return {
        "client": "",
        "service": service.pk,
        "practitioner": practitioner.member.pk,
        "location": location.pk,
        "start": f"{monday}T10:00",
        "room": "",
        "note": "",
    }


def test_a_new_client_is_added_with_the_booking(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
) -> None:
    http = browser_as(front_desk)
    response = http.post(
        "/calendar/book",
        {
            **_form(practitioner, service, location, monday),
            "new_first_name": "Wren",
            "new_last_name": "Okafor",
            "new_date_of_birth": "1990-04-02",
            "new_phone": "07700 900123",
        },
    )
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/appointments/{appointment.pk}/"
    client = appointment.client
    assert (client.first_name, client.last_name) == ("Wren", "Okafor")
    assert client.date_of_birth == dt.date(1990, 4, 2) and client.phone == "07700 900123"
    assert client.clinic_id == location.clinic_id
    assert appointment.start == at(monday, "10:00")


def test_a_refused_time_adds_no_client_and_keeps_what_was_typed(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
) -> None:
    before = Client.objects.count()
    response = browser_as(front_desk).post(
        "/calendar/book",
        {
            **_form(practitioner, service, location, monday),
            "start": f"{monday}T19:00",
            "new_first_name": "Wren",
            "new_last_name": "Okafor",
            "new_date_of_birth": "1990-04-02",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "outside" in html
    assert Client.objects.count() == before and not Appointment.objects.exists()
    assert 'value="Wren"' in html and '<details class="new-client" open>' in html


def test_booking_needs_one_client_said_in_words(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    a_client: Client,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
) -> None:
    http = browser_as(front_desk)
    form = _form(practitioner, service, location, monday)
    neither = http.post("/calendar/book", form).content.decode()
    assert "Choose a client, or add a new client below." in neither
    both = http.post(
        "/calendar/book", {**form, "client": a_client.pk, "new_first_name": "Wren"}
    ).content.decode()
    assert "Choose a client or add a new one, not both" in both
    half = http.post("/calendar/book", {**form, "new_first_name": "Wren"}).content.decode()
    assert "Enter the new client&#x27;s last name." in half
    assert "Enter the new client&#x27;s date of birth." in half
    bad = http.post(
        "/calendar/book",
        {
            **form,
            "new_first_name": "Wren",
            "new_last_name": "O",
            "new_date_of_birth": "1990-04-02",
            "new_email": "not-an-address",
        },
    ).content.decode()
    assert "Enter a valid email address." in bad
    assert not Appointment.objects.exists()
    assert not Client.objects.filter(first_name="Wren").exists()


def test_client_choices_carry_the_date_of_birth_for_the_type_ahead(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    a_client: Client,
) -> None:
    a_client.date_of_birth = dt.date(1984, 7, 9)
    a_client.save()
    html = browser_as(front_desk).get("/calendar/book").content.decode()
    assert 'data-typeahead="Type a name"' in html
    assert f"{a_client.full_name} · born 9 Jul 1984" in html


def test_top_bar_suggestions_are_scoped_posted_and_short(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    a_client: Client,
    second_client: Client,
    outsider: Persona,
) -> None:
    http = browser_as(front_desk)
    page = http.get("/").content.decode()
    assert 'id="find-client"' in page and 'data-suggest="/clients/suggest"' in page
    found = http.post("/clients/suggest", {"q": a_client.last_name[:4]}).json()["clients"]
    assert [c["url"] for c in found if c["name"] == a_client.full_name] == [
        f"/clients/{a_client.pk}/"
    ]
    assert http.post("/clients/suggest", {"q": "a"}).json() == {"clients": []}
    assert http.get(f"/clients/suggest?q={a_client.last_name}").status_code == 405
    elsewhere = browser_as(outsider).post("/clients/suggest", {"q": a_client.last_name})
    assert elsewhere.status_code in (200, 403)
    if elsewhere.status_code == 200:
        assert elsewhere.json() == {"clients": []}
