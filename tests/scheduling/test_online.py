"""Online booking end to end through the HTTP surface: the public page, the e-mailed links,
the calendar file, the manage link, rate limits, bad input and screening's booking gate.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from sacrum.access.models import AuditEntry
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Location, Room
from sacrum.kernel.errors import Conflict
from sacrum.scheduling import periodic, ratelimit
from sacrum.scheduling.models import (
    Appointment,
    ManageLink,
    OnlineRequest,
    SchedulingPolicy,
    ServiceType,
)
from sacrum.scheduling.services import booking, online
from sacrum.scheduling.services.booking import Booking, OnlineBookingRefused
from sacrum.screening import services as screening
from tests.conftest import ApiClient, Persona
from tests.scheduling.conftest import at
from tests.screening.conftest import sign_consent
from tests.screening.helpers import quiet_answers

LONDON = "Europe/London"


@pytest.fixture(autouse=True)
def files_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": "/nowhere/"},
        },
    }
    settings.SITE_URL = "https://sacrum.test"


@pytest.fixture
def bookable(clinic: Any, service: ServiceType, location: Any, rooms: Any, hours: None) -> Any:
    """Stillwater takes online bookings: one service, one place, two practitioners."""
    clinic.phone = "0117 496 0000"
    clinic.save()
    return clinic


@pytest.fixture
def visitor() -> HttpClient:
    return HttpClient(REMOTE_ADDR="203.0.113.7")


def slot_query(service: Any, location: Any, start: dt.datetime, who: str = "any") -> str:
    return (
        f"service={service.pk}&location={location.pk}&practitioner={who}"
        f"&start={int(start.timestamp())}"
    )


def details_url(clinic: Any) -> str:
    return reverse("web:online_booking_details", args=[clinic.slug])


def post_details(
    http: HttpClient,
    clinic: Any,
    service: Any,
    location: Any,
    start: dt.datetime,
    extra: dict[str, str] | None = None,
    **person: Any,
) -> Any:
    data = {
        "service": str(service.pk),
        "location": str(location.pk),
        "practitioner": person.pop("who", "any"),
        "start": str(int(start.timestamp())),
        "visitor": "new",
        "first_name": "Mary",
        "last_name": "Shelley",
        "email": "mary@example.test",
        "date_of_birth": "1990-08-30",
        "phone": "0117 496 0123",
        **person,
        **(extra or {}),
    }
    return http.post(details_url(clinic), data)


def link_in(message: Any, name: str) -> str:
    found = re.search(rf"https://sacrum\.test(/book/{name}/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def calendar_of(message: Any) -> Any:
    [(filename, content, mimetype)] = message.attachments
    assert filename == "appointment.ics" and mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def block(client: Client, practitioner: Any) -> None:
    """A recent head injury on the intake: screening blocks online booking."""
    sign_consent(practitioner, client)
    answers = quiet_answers("intake") | {"head_injury_recent": "yes"}
    screening.submit_intake(actor=practitioner.actor, client=client, answers=answers)


# --- the public page -------------------------------------------------------------------


def test_public_page_offers_online_services_and_free_times_without_client_data(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    booked: Callable[..., Appointment],
    monday: dt.date,
    clinic: Clinic,
    practitioner: Persona,
) -> None:
    booked("10:00")  # Ada's appointment with Pat: her name must not appear anywhere
    ServiceType.objects.create(clinic=clinic, name="Phone consultation", bookable_online=False)
    page = visitor.get(reverse("web:online_booking", args=[clinic.slug]))
    html = page.content.decode()
    assert page.status_code == 200 and "Follow-up" in html
    assert "Phone consultation" not in html and "Ada" not in html and "Lovelace" not in html

    week = visitor.get(
        f"/book/{clinic.slug}/?service={service.pk}&location={location.pk}"
        f"&practitioner={practitioner.member.pk}&week={monday}"
    )
    html = week.content.decode()
    assert "Ada" not in html and "Lovelace" not in html
    taken, free = at(monday, "10:00"), at(monday, "11:00")
    assert f"start={int(free.timestamp())}" in html
    assert f"start={int(taken.timestamp())}" not in html  # Pat is busy at 10:00
    assert week["Cache-Control"].startswith("max-age=0")


def test_free_times_show_on_the_location_wall_clock_in_summer_time(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    practitioner: Persona,
    clinic: Clinic,
    clock: time_machine.Traveller,
) -> None:
    """In British summer time 09:00 is 08:00 UTC; the page once showed "08:00" for it."""
    clock.move_to(dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC))  # a Wednesday, BST
    monday = dt.date(2026, 6, 15)
    week = visitor.get(
        f"/book/{clinic.slug}/?service={service.pk}&location={location.pk}"
        f"&practitioner={practitioner.member.pk}&week={monday}"
    )
    labels = dict(re.findall(r'start=(\d+)">(\d\d:\d\d)</a>', week.content.decode()))
    assert labels[str(int(at(monday, "09:00").timestamp()))] == "09:00"
    assert labels[str(int(at(monday, "16:00").timestamp()))] == "16:00"
    assert "08:00" not in labels.values()


def test_unknown_clinic_or_online_booking_switched_off_is_404(
    bookable: Clinic, visitor: HttpClient, clinic: Clinic
) -> None:
    assert visitor.get("/book/no-such-clinic/").status_code == 404
    SchedulingPolicy.objects.create(clinic=clinic, online_booking_enabled=False)
    assert visitor.get(f"/book/{clinic.slug}/").status_code == 404


# --- new client, end to end ---------------------------------------------------------------


def test_new_client_books_through_the_emailed_link_and_gets_the_calendar_file(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
) -> None:
    start = at(monday, "10:00")
    page = visitor.get(f"{details_url(clinic)}?{slot_query(service, location, start)}")
    assert page.status_code == 200 and "Follow-up" in page.content.decode()
    assert 'name="date_of_birth"' in page.content.decode()
    response = post_details(visitor, clinic, service, location, start)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:online_booking_sent", args=[clinic.slug])
    held = Appointment.objects.get()  # the time is held at once, for 60 minutes
    assert held.status == "requested" and held.hold_expires_at is not None
    assert abs((held.hold_expires_at - timezone.now()).total_seconds() - 3600) < 60
    [message] = mail.outbox
    assert message.to == ["mary@example.test"] and "confirm your booking" in message.subject
    shown_at = start.astimezone(ZoneInfo(location.time_zone))
    label = f"{shown_at:%a} {shown_at.day} {shown_at:%b} 10:00 {shown_at:%Z}"
    assert f"We're holding Follow-up on {label}" in message.body

    confirm = link_in(message, "confirm")
    shown = visitor.get(confirm)  # opening the link (or a mail scanner) books nothing
    assert shown.status_code == 200 and "Confirm" in shown.content.decode()
    assert Appointment.objects.get().status == "requested"
    done = visitor.post(confirm)
    assert done.status_code == 302 and done["Location"] == reverse("web:online_booking_done")
    assert "You are booked" in visitor.get(done["Location"]).content.decode()

    appointment = Appointment.objects.select_related("client").get()
    assert appointment.source == "online" and appointment.status == "booked"
    assert appointment.start == start and appointment.room is not None
    client = appointment.client
    assert (client.first_name, client.last_name, client.email) == (
        "Mary",
        "Shelley",
        "mary@example.test",
    )
    assert client.date_of_birth == dt.date(1990, 8, 30) and client.phone == "0117 496 0123"
    assert appointment.hold_expires_at is None
    assert OnlineRequest.objects.get().used_at is not None
    assert AuditEntry.objects.filter(object_id=str(appointment.pk), via="online").exists()

    confirmation = mail.outbox[-1]
    assert confirmation.subject.startswith("Booked: Follow-up")
    assert "/book/manage/" in confirmation.body
    cal = calendar_of(confirmation)
    [event] = cal.walk("VEVENT")
    assert str(event["summary"]) == "Follow-up \N{EN DASH} Stillwater Practice"
    assert "Bristol" in str(event["location"])
    assert event["dtstart"].params["TZID"] == LONDON
    local_start = event.decoded("dtstart")
    assert (local_start.hour, local_start.minute) == (10, 0)
    assert local_start == start and event.decoded("dtend") == start + dt.timedelta(minutes=50)
    assert cal.walk("VTIMEZONE")  # the zone travels with the file

    again = visitor.post(confirm)  # a used link is just invalid
    assert again.status_code == 404 and Appointment.objects.count() == 1


def test_anyone_books_a_free_practitioner(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    booked: Callable[..., Appointment],
    practitioner: Persona,
    owner: Persona,
) -> None:
    booked("10:00")  # Pat is busy; Olivia (owner) is free
    start = at(monday, "10:00")
    assert post_details(visitor, clinic, service, location, start).status_code == 302
    visitor.post(link_in(mail.outbox[-1], "confirm"))
    made = Appointment.objects.get(source="online")
    assert made.practitioner == owner.member


# --- returning client, and never telling whether an address is known ----------------------


def test_returning_client_confirms_by_link_and_is_matched_by_email_and_birth_date(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    a_client: Client,
) -> None:
    start = at(monday, "11:00")
    response = post_details(
        visitor,
        clinic,
        service,
        location,
        start,
        visitor="returning",
        first_name="",
        last_name="",
        email="ADA@example.test",
        date_of_birth="1985-12-10",
    )
    assert response.status_code == 302
    visitor.post(link_in(mail.outbox[-1], "confirm"))
    appointment = Appointment.objects.get()
    assert appointment.client == a_client and appointment.source == "online"
    assert Client.objects.count() == 1  # no duplicate record


def test_the_page_answers_the_same_whether_the_address_is_known_or_not(
    bookable: Clinic,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    a_client: Client,
) -> None:
    start = at(monday, "11:00")
    answers = []
    for email, dob in (("ada@example.test", "1985-12-10"), ("nobody@example.test", "1970-01-01")):
        http = HttpClient(REMOTE_ADDR="198.51.100.1")
        r = post_details(
            http,
            clinic,
            service,
            location,
            start,
            visitor="returning",
            email=email,
            date_of_birth=dob,
        )
        followed = http.get(r["Location"])
        answers.append((r.status_code, r["Location"], followed.content.decode()))
    assert answers[0] == answers[1]
    # Only the owner of each address learns the difference, by e-mail.
    known, unknown = mail.outbox
    assert "confirm your booking" in known.subject and "/book/confirm/" in known.body
    assert "could not find" in unknown.body and "/book/confirm/" not in unknown.body
    assert OnlineRequest.objects.count() == 1


def test_first_visit_service_is_refused_for_a_returning_visit(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    a_client: Client,
) -> None:
    service.new_clients_only = True
    service.save()
    r = post_details(
        visitor,
        clinic,
        service,
        location,
        at(monday, "11:00"),
        visitor="returning",
        email="ada@example.test",
        date_of_birth="1985-12-10",
    )
    assert r.status_code == 422 and "is for a first visit" in r.content.decode()
    assert not mail.outbox and not OnlineRequest.objects.exists()


# --- bad input: a message by the field, nothing written ----------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"start": "past"}, "start", "This time is in the past"),
        ({"start": "03:00"}, "start", "is outside the hours"),
        ({"start": "soon"}, "start", "notice"),
        ({"start": "garbage"}, "start", "Choose a time from the list"),
        ({"service": "unknown"}, "service", "Choose one of the services offered online"),
        ({"service": "offline"}, "service", "Choose one of the services offered online"),
        ({"who": "front-desk"}, "practitioner", "Choose a practitioner from the list"),
        ({"email": "not-an-address"}, "email", "Enter an e-mail address"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "cannot be in the future"),
        ({"date_of_birth": "31/31/1990"}, "date_of_birth", "Enter a valid date"),
        ({"first_name": ""}, "first_name", "Enter your first name"),
    ],
)
def test_bad_input_is_refused_by_field_and_writes_nothing(
    change: dict[str, str],
    field: str,
    message: str,
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    front_desk: Persona,
) -> None:
    start = at(monday, "10:00")
    person: dict[str, Any] = {}
    extra: dict[str, str] = {}
    value = next(iter(change.values()))
    if field == "start":
        if value == "past":
            start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=1)
        elif value == "soon":
            start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=30)
        elif value == "garbage":
            extra["start"] = "tomorrow"
        else:
            start = at(monday, value)
    elif field == "service":
        target = ServiceType.objects.create(clinic=clinic, name="Staff only", bookable_online=False)
        extra["service"] = "not-a-uuid" if value == "unknown" else str(target.pk)
    elif field == "practitioner":
        person["who"] = str(front_desk.member.pk)
        start = at(monday, "10:00")
    else:
        person.update(change)
    r = post_details(visitor, clinic, service, location, start, extra, **person)
    assert r.status_code == 422, r.content.decode()[:500]
    html = r.content.decode()
    assert message in html
    if field in ("email", "date_of_birth", "first_name"):
        assert f'id="id_{field}_error"' in html
    else:
        assert f'id="choice_{field}_error"' in html
    assert not OnlineRequest.objects.exists() and not Appointment.objects.exists()
    assert not mail.outbox and Client.objects.count() == 0


def test_a_practitioner_who_does_not_offer_the_service_is_named(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    practitioner: Persona,
) -> None:
    service.practitioners.remove(practitioner.member)
    r = post_details(
        visitor, clinic, service, location, at(monday, "10:00"), who=str(practitioner.member.pk)
    )
    assert r.status_code == 422
    assert "Pat Practitioner does not offer “Follow-up”" in r.content.decode()


def test_a_held_time_is_taken_for_everyone_else_until_it_lapses(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    booked: Callable[..., Appointment],
    practitioner: Persona,
    second_client: Client,
) -> None:
    start = at(monday, "10:00")
    post_details(visitor, clinic, service, location, start, who=str(practitioner.member.pk))
    with pytest.raises(Conflict):  # staff can't book over the hold either
        booked("10:00", client=second_client)
    other = post_details(
        HttpClient(REMOTE_ADDR="198.51.100.9"),
        clinic,
        service,
        location,
        start,
        who=str(practitioner.member.pk),
        email="grace@example.test",
        first_name="Grace",
        last_name="Hopper",
    )
    assert other.status_code == 422 and "just taken" in other.content.decode()
    assert "Mary" not in other.content.decode() and "Shelley" not in other.content.decode()
    assert Appointment.objects.count() == 1 and OnlineRequest.objects.count() == 1


def test_csrf_is_enforced_on_the_public_form(
    bookable: Clinic, service: ServiceType, location: Location, monday: dt.date, clinic: Clinic
) -> None:
    http = HttpClient(enforce_csrf_checks=True)
    r = post_details(http, clinic, service, location, at(monday, "10:00"))
    assert r.status_code == 403 and not OnlineRequest.objects.exists()


# --- tokens -----------------------------------------------------------------------------


def test_tampered_or_expired_links_are_refused(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
) -> None:
    post_details(visitor, clinic, service, location, at(monday, "10:00"))
    confirm = link_in(mail.outbox[-1], "confirm")
    token = confirm.split("/")[3]
    raw, stamp, signature = token.split(":")
    tampered = f"/book/confirm/{raw[:-1]}{'A' if raw[-1] != 'A' else 'B'}:{stamp}:{signature}/"
    assert visitor.get(tampered).status_code == 404
    assert visitor.get("/book/confirm/made-up/").status_code == 404
    assert visitor.get(confirm.replace("/confirm/", "/manage/")).status_code == 404  # wrong kind
    past = timezone.now() - dt.timedelta(seconds=1)
    OnlineRequest.objects.update(created_at=past - dt.timedelta(hours=1), expires_at=past)
    lapsed = visitor.get(confirm)  # a lapsed hold says so plainly; nothing is booked
    assert lapsed.status_code == 410 and "not confirmed in time" in lapsed.content.decode()
    assert visitor.post(confirm).status_code == 410
    assert not Appointment.objects.filter(status="booked").exists()
    stored = OnlineRequest.objects.get()
    assert raw not in stored.token_digest and len(stored.token_digest) == 64


# --- the manage link --------------------------------------------------------------------


def book_online(visitor: HttpClient, clinic: Any, service: Any, location: Any, start: Any) -> str:
    """Book as a new client; returns the manage link's path."""
    post_details(visitor, clinic, service, location, start)
    visitor.post(link_in(mail.outbox[-1], "confirm"))
    return link_in(mail.outbox[-1], "manage")


def test_manage_link_moves_the_appointment_and_sends_an_updated_calendar_file(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
) -> None:
    manage = book_online(visitor, clinic, service, location, at(monday, "10:00"))
    page = visitor.get(f"{manage}?week={monday}")
    new_start = at(monday, "14:00")
    assert (
        page.status_code == 200 and f'value="{int(new_start.timestamp())}"' in page.content.decode()
    )
    moved = visitor.post(f"{manage}move", {"start": str(int(new_start.timestamp()))})
    assert moved.status_code == 200 and "moved" in moved.content.decode()
    appointment = Appointment.objects.get()
    assert appointment.start == new_start and appointment.status == "booked"
    change = appointment.changes.get(kind="rescheduled")
    assert change.kind == "rescheduled" and change.from_start == at(monday, "10:00")
    [event] = calendar_of(mail.outbox[-1]).walk("VEVENT")
    assert event.decoded("dtstart").hour == 14 and int(event["sequence"]) == 1
    assert visitor.get(manage).status_code == 404  # the old link was replaced
    assert visitor.get(link_in(mail.outbox[-1], "manage")).status_code == 200


def test_manage_link_cancels_within_the_window_as_the_client(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
) -> None:
    manage = book_online(visitor, clinic, service, location, at(monday, "10:00"))
    r = visitor.post(f"{manage}cancel", {"reason": "Travelling for work"})
    assert r.status_code == 200 and "is cancelled" in r.content.decode()
    appointment = Appointment.objects.get()
    assert appointment.status == "cancelled" and appointment.cancelled_by_party == "client"
    assert appointment.cancellation_reason == "Travelling for work"
    assert appointment.cancelled_late is False and appointment.cancelled_by is None
    cal = calendar_of(mail.outbox[-1])
    assert str(cal["method"]) == "CANCEL"
    assert str(cal.walk("VEVENT")[0]["status"]) == "CANCELLED"


def test_inside_the_window_the_page_says_to_phone_and_refuses_changes(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
) -> None:
    manage = book_online(visitor, clinic, service, location, at(monday, "10:00"))
    SchedulingPolicy.objects.update_or_create(
        clinic=clinic, defaults={"cancellation_window_hours": 14 * 24}
    )
    page = visitor.get(manage).content.decode()
    assert "please phone Stillwater Practice on" in page and "0117 496 0000" in page
    assert "Cancel the appointment" not in page
    r = visitor.post(f"{manage}cancel", {"reason": "x"})
    assert r.status_code == 422 and "phone" in r.content.decode()
    r = visitor.post(f"{manage}move", {"start": str(int(at(monday, "14:00").timestamp()))})
    assert r.status_code == 422
    appointment = Appointment.objects.get()
    assert appointment.status == "booked" and appointment.start == at(monday, "10:00")


def test_manage_link_expires_and_tampering_is_refused(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
) -> None:
    manage = book_online(visitor, clinic, service, location, at(monday, "10:00"))
    assert visitor.get(manage[:-3] + "xx/").status_code == 404
    past = timezone.now() - dt.timedelta(seconds=1)
    ManageLink.objects.update(created_at=past - dt.timedelta(hours=1), expires_at=past)
    assert visitor.get(manage).status_code == 404
    assert visitor.post(f"{manage}cancel", {}).status_code == 404
    assert Appointment.objects.get().status == "booked"


# --- rate limits --------------------------------------------------------------------------


def test_details_form_is_rate_limited_per_email_and_per_address(
    bookable: Clinic,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ratelimit, "REQUEST_PER_EMAIL", ratelimit.Limit("t-email", 2, 3600))
    monkeypatch.setattr(ratelimit, "REQUEST_PER_IP", ratelimit.Limit("t-ip", 3, 3600))
    start = at(monday, "10:00")
    statuses = [
        post_details(
            HttpClient(REMOTE_ADDR=f"192.0.2.{i}"), clinic, service, location, start
        ).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]  # the same address from three places
    one_place = HttpClient(REMOTE_ADDR="192.0.2.50")
    codes = [  # each a different time: a held time is taken for anyone else
        post_details(
            one_place, clinic, service, location, at(monday, f"1{i}:00"), email=f"p{i}@example.test"
        )
        for i in range(4)
    ]
    assert [c.status_code for c in codes] == [302, 302, 302, 429]
    assert "Too many attempts" in codes[-1].content.decode()
    assert int(codes[-1]["Retry-After"]) > 0
    assert len(mail.outbox) == 5


def test_browsing_and_links_are_rate_limited_per_address(
    bookable: Clinic, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ratelimit, "BROWSE_PER_IP", ratelimit.Limit("t-browse", 2, 60))
    monkeypatch.setattr(ratelimit, "LINK_PER_IP", ratelimit.Limit("t-link", 2, 60))
    http = HttpClient(REMOTE_ADDR="192.0.2.99")
    pages = [http.get(f"/book/{clinic.slug}/").status_code for _ in range(3)]
    assert pages == [200, 200, 429]
    links = [http.get("/book/manage/made-up/").status_code for _ in range(3)]
    assert links == [404, 404, 429]
    assert HttpClient(REMOTE_ADDR="192.0.2.98").get(f"/book/{clinic.slug}/").status_code == 200


# --- screening's booking gate on every client-initiated route -----------------------------


def test_gate_public_link_asks_a_blocked_client_to_contact_the_clinic(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    a_client: Client,
    practitioner: Persona,
) -> None:
    block(a_client, practitioner)
    r = post_details(
        visitor,
        clinic,
        service,
        location,
        at(monday, "11:00"),
        visitor="returning",
        email="ada@example.test",
        date_of_birth="1985-12-10",
    )
    assert r.status_code == 302  # the same answer as for anyone
    page = visitor.post(link_in(mail.outbox[-1], "confirm"))
    html = page.content.decode()
    assert page.status_code == 403 and "Please contact the clinic" in html
    text = html.split("<main", 1)[1].lower()
    assert "injur" not in text and "concussion" not in text and "review" not in text
    assert not Appointment.objects.filter(client=a_client).exists()


def test_gate_manage_link_cannot_move_once_blocked(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    practitioner: Persona,
) -> None:
    manage = book_online(visitor, clinic, service, location, at(monday, "10:00"))
    appointment = Appointment.objects.get()
    block(appointment.client, practitioner)
    r = visitor.post(f"{manage}move", {"start": str(int(at(monday, "14:00").timestamp()))})
    assert r.status_code == 403 and "Please contact the clinic" in r.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == at(monday, "10:00")


def test_gate_api_source_online_is_refused_and_staff_may_still_book(
    bookable: Clinic,
    api: Callable[[Persona], ApiClient],
    front_desk: Persona,
    a_client: Client,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    rooms: list[Room],
) -> None:
    block(a_client, practitioner)
    body = {
        "client_id": str(a_client.pk),
        "practitioner_id": str(practitioner.member.pk),
        "service_id": str(service.pk),
        "location_id": str(location.pk),
        "start": at(monday, "10:00").isoformat(),
        "source": "online",
    }
    status, data = api(front_desk).post("/appointments", body)
    assert status == 422 and "can't be booked online" in data["error"]["fields"]["client"]
    assert not Appointment.objects.exists()
    status, data = api(front_desk).post("/appointments", {**body, "source": "staff"})
    assert status == 201 and data["source"] == "staff"


def test_gate_series_created_online_is_refused_before_anything_is_written(
    bookable: Clinic,
    api: Callable[[Persona], ApiClient],
    front_desk: Persona,
    a_client: Client,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    rooms: list[Room],
) -> None:
    block(a_client, practitioner)
    body = {
        "client_id": str(a_client.pk),
        "practitioner_id": str(practitioner.member.pk),
        "service_id": str(service.pk),
        "location_id": str(location.pk),
        "first_date": str(monday),
        "local_time": "10:00",
        "phases": [{"rule": "weekly", "count": 3}],
        "source": "online",
    }
    status, data = api(front_desk).post("/series", body)
    assert status == 422 and "client" in data["error"]["fields"]
    assert not Appointment.objects.exists()
    status, _ = api(front_desk).post("/series", {**body, "source": "staff"})
    assert status == 201 and Appointment.objects.count() == 3


def test_gate_the_booking_service_refuses_online_for_every_caller(
    bookable: Clinic,
    owner: Persona,
    a_client: Client,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    rooms: list[Room],
) -> None:
    block(a_client, practitioner)
    request = Booking(
        client=a_client,
        practitioner=practitioner.member,
        service=service,
        location=location,
        start=at(monday, "10:00"),
        source="online",
    )
    with pytest.raises(OnlineBookingRefused):
        booking.book(actor=owner.actor, booking=request)
    with pytest.raises(OnlineBookingRefused):
        booking.book_for_clinic(
            actor=online.public_actor("203.0.113.9"), clinic=owner.clinic, booking=request
        )
    assert not Appointment.objects.exists()


def test_gate_staff_booking_page_shows_the_reason(
    bookable: Clinic,
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    a_client: Client,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    rooms: list[Room],
) -> None:
    block(a_client, practitioner)
    page = browser_as(front_desk).get(f"/calendar/book?client={a_client.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="online-gate"' in html
    assert "can't book online" in html and "review this client" in html
    data = {
        "client": str(a_client.pk),
        "service": str(service.pk),
        "practitioner": str(practitioner.member.pk),
        "location": str(location.pk),
        "start": f"{monday}T10:00",
    }
    r = browser_as(front_desk).post("/calendar/book", data, follow=True)
    assert "Not bookable online" in r.content.decode()
    assert Appointment.objects.get().source == "staff"


# --- requests the front desk accepts -----------------------------------------------------


def test_requests_need_approval_then_staff_accept_by_api_and_the_client_gets_the_file(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    api: Callable[[Persona], ApiClient],
    front_desk: Persona,
) -> None:
    SchedulingPolicy.objects.create(clinic=clinic, online_requests_need_approval=True)
    post_details(visitor, clinic, service, location, at(monday, "10:00"))
    visitor.post(link_in(mail.outbox[-1], "confirm"))
    appointment = Appointment.objects.get()
    assert appointment.status == "requested"
    assert mail.outbox[-1].subject.startswith("Request received")
    assert str(calendar_of(mail.outbox[-1]).walk("VEVENT")[0]["status"]) == "TENTATIVE"
    sent = len(mail.outbox)
    status, data = api(front_desk).post(f"/appointments/{appointment.pk}/accept", {})
    assert status == 200 and data["status"] == "booked"
    assert len(mail.outbox) == sent + 1 and mail.outbox[-1].subject.startswith("Booked")
    assert str(calendar_of(mail.outbox[-1]).walk("VEVENT")[0]["status"]) == "CONFIRMED"
    status, data = api(front_desk).post(f"/appointments/{appointment.pk}/accept", {})
    assert status == 200 and data["status"] == "booked" and len(mail.outbox) == sent + 1
    status, _ = api(front_desk).post(f"/appointments/{appointment.pk}/cancel", {})
    status, data = api(front_desk).post(f"/appointments/{appointment.pk}/accept", {})
    assert status == 422 and "requested" in data["error"]["fields"]["status"]


# --- clean-up ------------------------------------------------------------------------------


def test_tick_deletes_unconfirmed_requests_after_a_day(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
) -> None:
    post_details(visitor, clinic, service, location, at(monday, "10:00"))
    now = timezone.now()
    assert periodic.tick(now)["online_requests_deleted"] == 0
    later = now + dt.timedelta(days=2)
    assert periodic.tick(later)["online_requests_deleted"] == 1
    assert periodic.tick(later)["online_requests_deleted"] == 0


# --- staff: the booking rules and the public link ------------------------------------------


def test_owner_sets_the_booking_rules_and_sees_the_public_link(
    owner: Persona, front_desk: Persona, browser_as: Callable[[Persona], HttpClient], clinic: Clinic
) -> None:
    html = browser_as(owner).get("/services/").content.decode()
    assert f"/book/{clinic.slug}/" in html and "Change the booking rules" in html
    rules = {
        "online_booking_enabled": "on",
        "cancellation_window_hours": "48",
        "minimum_notice_minutes": "60",
        "online_days_ahead": "30",
        "slot_step_minutes": "15",
    }
    r = browser_as(owner).post("/services/booking-rules", rules)
    assert r.status_code == 302
    policy = SchedulingPolicy.objects.get(clinic=clinic)
    assert (policy.cancellation_window_hours, policy.online_days_ahead) == (48, 30)
    assert policy.online_requests_need_approval is False
    bad = browser_as(owner).post("/services/booking-rules", {**rules, "slot_step_minutes": "7"})
    assert bad.status_code == 200 and 'id="id_slot_step_minutes_error"' in bad.content.decode()
    assert SchedulingPolicy.objects.get(clinic=clinic).slot_step_minutes == 15
    assert browser_as(front_desk).get("/services/booking-rules").status_code == 403


def test_accept_request_button_on_the_appointment_page_emails_the_client(
    bookable: Clinic,
    visitor: HttpClient,
    service: ServiceType,
    location: Location,
    monday: dt.date,
    clinic: Clinic,
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
) -> None:
    SchedulingPolicy.objects.create(clinic=clinic, online_requests_need_approval=True)
    post_details(visitor, clinic, service, location, at(monday, "10:00"))
    visitor.post(link_in(mail.outbox[-1], "confirm"))
    appointment = Appointment.objects.get()
    page = browser_as(front_desk).get(f"/appointments/{appointment.pk}/").content.decode()
    assert "Accept request" in page
    r = browser_as(front_desk).post(f"/appointments/{appointment.pk}/status", {"status": "booked"})
    assert r.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "booked" and mail.outbox[-1].subject.startswith("Booked")


def test_the_booking_page_asks_as_many_questions_for_more_practitioners(
    bookable: Any, visitor: HttpClient, owner: Persona, practitioner: Persona, service: Any
) -> None:
    """Who the client can see (names, bios, photos) is read in one go, not per person."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sacrum.access.roles import Role
    from sacrum.clinics.models import PractitionerProfile, Profession
    from tests.conftest import add_member

    url = reverse("web:online_booking", args=[bookable.slug])

    def count() -> int:
        visitor.get(url)
        with CaptureQueriesContext(connection) as seen:
            response = visitor.get(url)
        assert response.status_code == 200
        return len(seen)

    PractitionerProfile.objects.create(
        membership=practitioner.member,
        display_name="Pat Practitioner",
        profession=Profession.OSTEOPATH,
        bio="I work gently.",
    )
    before = count()
    for n in range(3):
        member = add_member(bookable, f"extra{n}@stillwater.test", Role.PRACTITIONER).member
        PractitionerProfile.objects.create(
            membership=member, display_name=f"Extra {n}", profession=Profession.OTHER, bio="Hi."
        )
        service.practitioners.add(member)
    html = visitor.get(url).content.decode()
    assert "Extra 2" in html and "I work gently." in html
    assert count() == before
