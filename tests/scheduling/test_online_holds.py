# ruff: noqa: F811  (the fixtures imported from test_online are parameters here)
"""Online booking holds the time at once; the e-mailed link confirms it; an unconfirmed hold
lapses and frees the time. Also: the phone number and required marks on the form, the
intake link in a new client's confirmation, and the manage page's confirmed move.

Every test runs on the controlled clock (tests/clock.py) and moves it with ``clock.shift``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Location
from sacrum.kernel.errors import Conflict
from sacrum.scheduling import periodic
from sacrum.scheduling.models import Appointment, OnlineRequest, ServiceType
from sacrum.scheduling.services import booking, online
from tests.conftest import ApiClient, Persona
from tests.scheduling.conftest import at
from tests.scheduling.test_online import (  # noqa: F401  (fixtures)
    book_online,
    bookable,
    details_url,
    files_in_tmp,
    link_in,
    post_details,
    visitor,
)

HOLD = dt.timedelta(minutes=60)


def offered(http: HttpClient, clinic: Clinic, service: Any, location: Any, who: Any) -> str:
    page = http.get(
        reverse("web:online_booking", args=[clinic.slug]),
        {"service": service.pk, "location": location.pk, "practitioner": who, "week": ""},
    )
    assert page.status_code == 200
    return str(page.content.decode())


def epoch(start: dt.datetime) -> str:
    return f'start={int(start.timestamp())}"'


def test_a_held_time_is_not_offered_to_anyone_else_and_is_offered_again_once_it_lapses(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    practitioner: Persona,
    clock: time_machine.Traveller,
) -> None:
    pat = str(practitioner.member.pk)
    start = at(monday, "10:00")
    someone_else = HttpClient(REMOTE_ADDR="198.51.100.20")
    week = f"&week={monday}"
    page = someone_else.get(
        f"{reverse('web:online_booking', args=[clinic.slug])}?service={service.pk}"
        f"&location={location.pk}&practitioner={pat}{week}"
    )
    assert epoch(start) in page.content.decode()

    assert post_details(visitor, clinic, service, location, start, who=pat).status_code == 302
    held = Appointment.objects.get()
    assert held.status == "requested" and held.hold_expires_at is not None
    assert abs(held.hold_expires_at - (timezone.now() + HOLD)) < dt.timedelta(seconds=5)
    again = someone_else.get(page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"])
    assert epoch(start) not in again.content.decode()  # held: not offered to anyone

    clock.shift(HOLD + dt.timedelta(minutes=1))  # lapsed; the periodic job has not run yet
    later = someone_else.get(page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"])
    assert epoch(start) in later.content.decode()  # offered again at once

    # ...and someone else can hold it: the lapsed hold is cancelled in the same breath.
    grace = post_details(
        someone_else,
        clinic,
        service,
        location,
        start,
        who=pat,
        email="grace@example.test",
        first_name="Grace",
        last_name="Hopper",
    )
    assert grace.status_code == 302
    held.refresh_from_db()
    assert held.status == "cancelled" and held.cancelled_by_party == "client"
    assert "not confirmed by e-mail in time" in held.cancellation_reason
    new = Appointment.objects.get(status="requested")
    assert new.client.last_name == "Hopper" and new.start == start


def test_confirming_within_the_hold_books_it(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    clock: time_machine.Traveller,
) -> None:
    post_details(visitor, clinic, service, location, at(monday, "10:00"))
    confirm = link_in(mail.outbox[-1], "confirm")
    clock.shift(HOLD - dt.timedelta(minutes=1))
    done = visitor.post(confirm)
    assert done.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.status == "booked" and appointment.hold_expires_at is None
    assert [c.to_status for c in appointment.changes.all()] == ["booked"]
    clock.shift(dt.timedelta(minutes=5))
    periodic.tick(timezone.now())  # a confirmed hold is no hold: the job leaves it alone
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_confirming_after_the_hold_lapsed_says_so_and_books_nothing_even_if_still_free(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    clock: time_machine.Traveller,
) -> None:
    post_details(visitor, clinic, service, location, at(monday, "10:00"))
    confirm = link_in(mail.outbox[-1], "confirm")
    clock.shift(HOLD + dt.timedelta(seconds=1))
    shown = visitor.get(confirm)
    html = shown.content.decode()
    assert shown.status_code == 410
    assert "We held Mon 22 Jun 10:00 BST for you until Wed 10 Jun 14:00 BST" in html
    assert "nothing is booked" in html and "Choose another time" in html
    assert "<button" not in html.split("</header>")[-1].split("<footer")[0]  # no Confirm
    posted = visitor.post(confirm)
    assert posted.status_code == 410
    assert not Appointment.objects.filter(status__in=["booked", "confirmed"]).exists()
    assert OnlineRequest.objects.get().used_at is None


def test_the_page_after_the_form_says_what_is_held_and_until_when(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
) -> None:
    response = post_details(visitor, clinic, service, location, at(monday, "10:00"))
    page = visitor.get(response["Location"]).content.decode()
    assert (
        "We're holding <strong>Mon 22 Jun 10:00\N{EN DASH}10:50 BST</strong> for you until "
        "<strong>14:00 BST</strong>; confirm from the e-mail we sent to finish booking."
    ) in page


def test_the_periodic_job_cancels_lapsed_holds_and_forgets_unconfirmed_new_clients(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    clock: time_machine.Traveller,
) -> None:
    post_details(visitor, clinic, service, location, at(monday, "10:00"))
    assert Client.objects.filter(last_name="Shelley").exists()  # made with the hold
    assert periodic.tick(timezone.now())["online_holds_released"] == 0
    clock.shift(HOLD + dt.timedelta(minutes=1))
    result = periodic.tick(timezone.now())
    assert result["online_holds_released"] == 1
    assert Appointment.objects.get().status == "cancelled"
    assert periodic.tick(timezone.now())["online_holds_released"] == 0  # idempotent
    clock.shift(dt.timedelta(days=1, minutes=1))
    result = periodic.tick(timezone.now())
    assert result["unconfirmed_clients_deleted"] == 1 and result["online_requests_deleted"] == 1
    assert not Client.objects.filter(last_name="Shelley").exists()
    assert not Appointment.objects.exists() and not OnlineRequest.objects.exists()


def test_a_client_who_confirmed_is_kept_by_the_periodic_job(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    clock: time_machine.Traveller,
) -> None:
    book_online(visitor, clinic, service, location, at(monday, "10:00"))
    clock.shift(dt.timedelta(days=2))
    periodic.tick(timezone.now())
    assert Client.objects.filter(last_name="Shelley").exists()
    assert Appointment.objects.get().status == "booked"


def test_asking_again_for_the_same_time_replaces_the_own_hold(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    practitioner: Persona,
) -> None:
    pat = str(practitioner.member.pk)
    start = at(monday, "10:00")
    assert post_details(visitor, clinic, service, location, start, who=pat).status_code == 302
    assert post_details(visitor, clinic, service, location, start, who=pat).status_code == 302
    assert Appointment.objects.filter(status="requested").count() == 1
    first, second = (link_in(m, "confirm") for m in mail.outbox)
    assert visitor.get(first).status_code == 404  # the first request let its hold go
    assert visitor.post(second).status_code == 302
    assert Appointment.objects.get(status="booked").client.last_name == "Shelley"
    assert Client.objects.filter(last_name="Shelley").count() == 1


def test_staff_cannot_book_over_or_accept_a_hold(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    booked: Callable[..., Appointment],
    practitioner: Persona,
    second_client: Client,
    api: Callable[[Persona], ApiClient],
    browser_as: Callable[[Persona], HttpClient],
    owner: Persona,
) -> None:
    post_details(
        visitor, clinic, service, location, at(monday, "10:00"), who=str(practitioner.member.pk)
    )
    with pytest.raises(Conflict):
        booked("10:00", client=second_client)
    held = Appointment.objects.get()
    status, data = api(owner).post(f"/appointments/{held.pk}/accept", {})
    assert status == 422 and "held for someone booking online" in str(data)
    page = browser_as(owner).get(reverse("web:appointment_detail", args=[held.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "Held online until Wed 10 Jun 14:00" in html
    assert "Accept request" not in html


def test_two_visitors_racing_for_one_time_the_database_holds_it_for_one(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    practitioner: Persona,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pat = str(practitioner.member.pk)
    start = at(monday, "10:00")
    assert post_details(visitor, clinic, service, location, start, who=pat).status_code == 302
    # The second visitor's checks ran before the first hold was written (a race): only
    # the database's no-double-booking rule is left to refuse.
    monkeypatch.setattr(online, "check_choice", lambda *a, **k: [practitioner.member.pk])
    monkeypatch.setattr(booking, "_conflicts", lambda appointment: [])
    second = post_details(
        HttpClient(REMOTE_ADDR="198.51.100.30"),
        clinic,
        service,
        location,
        start,
        who=pat,
        email="grace@example.test",
        first_name="Grace",
        last_name="Hopper",
    )
    assert second.status_code == 422 and "just taken" in second.content.decode()
    assert Appointment.objects.count() == 1 and OnlineRequest.objects.count() == 1
    assert not Client.objects.filter(last_name="Hopper").exists()


# --- the form: phone number and required marks ------------------------------------------


def test_the_form_marks_required_fields_and_asks_new_clients_for_a_phone_number(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    a_client: Client,
) -> None:
    start = at(monday, "10:00")
    query = f"service={service.pk}&location={location.pk}&practitioner=any"
    page = visitor.get(f"{details_url(clinic)}?{query}&start={int(start.timestamp())}")
    html = page.content.decode()
    assert '<span class="req" aria-hidden="true">*</span> required' in html
    for name in ("first_name", "last_name", "email", "date_of_birth", "phone"):
        field = re.search(rf'<label for="id_{name}">[^<]*<span class="req"', html)
        assert field, name
        assert re.search(rf'<input[^>]*name="{name}"[^>]*required', html), name
    assert 'type="tel"' in html and 'autocomplete="tel"' in html

    missing = post_details(visitor, clinic, service, location, start, phone="")
    assert missing.status_code == 422
    assert "Enter a phone number, so the clinic can reach you." in missing.content.decode()
    bad = post_details(visitor, clinic, service, location, start, phone="call me maybe")
    assert bad.status_code == 422 and "Enter a phone number like" in bad.content.decode()
    assert not Appointment.objects.exists()

    returning = post_details(  # a returning client may leave it out
        visitor,
        clinic,
        service,
        location,
        start,
        visitor="returning",
        first_name="",
        last_name="",
        phone="",
        email="ada@example.test",
        date_of_birth="1985-12-10",
    )
    assert returning.status_code == 302
    held = Appointment.objects.get()
    assert held.client == a_client and held.status == "requested"


def test_a_returning_clients_phone_fills_an_empty_one_on_confirmation(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    a_client: Client,
) -> None:
    Client.objects.filter(pk=a_client.pk).update(phone="")
    post_details(
        visitor,
        clinic,
        service,
        location,
        at(monday, "10:00"),
        visitor="returning",
        first_name="",
        last_name="",
        phone="07700 900123",
        email="ada@example.test",
        date_of_birth="1985-12-10",
    )
    a_client.refresh_from_db()
    assert a_client.phone == ""  # not before the e-mail proved who asked
    visitor.post(link_in(mail.outbox[-1], "confirm"))
    a_client.refresh_from_db()
    assert a_client.phone == "07700 900123"
    confirmation = mail.outbox[-1]
    assert confirmation.subject.startswith("Booked:") and "/intake/" not in confirmation.body


# --- the intake and consent link with a new client's confirmation ------------------------


def test_a_new_clients_confirmation_carries_the_intake_and_consent_link(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
) -> None:
    book_online(visitor, clinic, service, location, at(monday, "10:00"))
    confirmation = mail.outbox[-1]
    assert confirmation.subject.startswith("Booked:")
    found = re.search(r"https://sacrum\.test(/intake/([^/\s]+)/)", str(confirmation.body))
    assert found, confirmation.body
    assert "health history and consent form" in confirmation.body
    path, token = found.groups()
    assert "Shelley" not in path and "@" not in path and len(token) > 40  # only the token
    form = visitor.get(path)
    assert form.status_code == 200 and "consent" in form.content.decode().lower()


# --- the manage page confirms a move first; the e-mail says "Moved:" ----------------------


def test_moving_from_the_manage_page_asks_first_and_the_email_says_moved(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
) -> None:
    manage = book_online(visitor, clinic, service, location, at(monday, "10:00"))
    page = visitor.get(f"{manage}?week={monday}").content.decode()
    assert f'<form method="get" action="{manage}move"' in page
    new_start = at(monday, "14:00")
    ask = visitor.get(f"{manage}move", {"start": int(new_start.timestamp())})
    html = ask.content.decode()
    assert ask.status_code == 200
    assert "Mon 22 Jun 10:00\N{EN DASH}10:50 BST" in html
    assert "Mon 22 Jun 14:00\N{EN DASH}14:50 BST" in html
    assert "Move to this time" in html and "Keep my time" in html
    assert f'href="{manage}"' in html  # keep: back to the manage page
    assert Appointment.objects.get().start == at(monday, "10:00")  # nothing moved yet

    sent = len(mail.outbox)
    moved = visitor.post(f"{manage}move", {"start": str(int(new_start.timestamp()))})
    assert moved.status_code == 200
    assert Appointment.objects.get().start == new_start
    [email] = mail.outbox[sent:]
    assert email.subject == (
        "Moved: Follow-up, Mon 22 Jun 10:00 BST \N{RIGHTWARDS ARROW} Mon 22 Jun 14:00 BST "
        "\N{EN DASH} Stillwater Practice"
    )
    assert "Was:   Mon 22 Jun 10:00 BST" in email.body
    assert "Now:   Mon 22 Jun 14:00 BST" in email.body
    assert "Booked:" not in email.subject and "/intake/" not in email.body


def test_a_move_to_a_time_no_longer_free_is_refused_on_the_confirm_step(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
) -> None:
    manage = book_online(visitor, clinic, service, location, at(monday, "10:00"))
    ask = visitor.get(f"{manage}move", {"start": int(at(monday, "03:00").timestamp())})
    assert ask.status_code == 422 and "outside the hours" in ask.content.decode()
    garbage = visitor.get(f"{manage}move", {"start": "soon"})
    assert garbage.status_code == 422 and "Choose a time from the list" in garbage.content.decode()
