"""The appointment page's typed "Move" with "Any free room", and its timestamps in local time.

"Any free room" on a service held in a room means: the service picks a free room at the
new time (the same one if it is still free); when none is free, the refusal stands by the
room field and nothing changes. Books relative to today, so it also runs at the awkward
instants (dev.py's CLOCK_TESTS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.test import Client as HttpClient

from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Room
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, AppointmentChange, ServiceType
from sacrum.scheduling.services import booking
from sacrum.scheduling.services.booking import Booking, book
from tests.conftest import Persona
from tests.scheduling.conftest import at, give_hours


def _move(
    http: HttpClient, appt: Appointment, day: dt.date, hhmm: str, room: str = ""
) -> tuple[int, str]:
    response = http.post(
        f"/appointments/{appt.pk}/reschedule",
        {"start": f"{day}T{hhmm}", "practitioner": appt.practitioner_id, "room": room},
    )
    return response.status_code, response.content.decode()


def test_any_free_room_keeps_the_room_when_it_is_free(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    rooms: list[Room],
) -> None:
    appt = booked("10:00", room=rooms[0])
    status, _ = _move(browser_as(front_desk), appt, monday, "14:00")
    assert status == 302
    appt.refresh_from_db()
    assert appt.start == at(monday, "14:00") and appt.room == rooms[0]
    change = AppointmentChange.objects.get(appointment=appt)
    assert change.to_room == rooms[0]


def test_any_free_room_picks_another_when_the_room_is_taken(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    owner: Persona,
    second_client: Client,
    rooms: list[Room],
) -> None:
    appt = booked("10:00", room=rooms[0])
    booked("14:00", who=owner, client=second_client, room=rooms[0])
    status, _ = _move(browser_as(front_desk), appt, monday, "14:00")
    assert status == 302
    appt.refresh_from_db()
    assert appt.start == at(monday, "14:00") and appt.room == rooms[1]


def test_no_free_room_is_said_by_the_room_field_and_nothing_moves(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    owner: Persona,
    second_client: Client,
    rooms: list[Room],
) -> None:
    appt = booked("10:00", room=rooms[0])
    booked("14:00", who=owner, client=second_client, room=rooms[0])  # Cedar is taken
    Room.objects.filter(pk=rooms[1].pk).update(active=False)  # Willow is out of use
    status, html = _move(browser_as(front_desk), appt, monday, "14:00")
    assert status == 200
    field = html[html.index('<label for="id_room">') :]
    field = field[: field.index("</div>")]
    assert 'id="id_room_error" role="alert">No room is free at Bristol' in field
    assert '<div class="form-errors"' not in html  # by the field, not above the form
    appt.refresh_from_db()
    assert appt.start == at(monday, "10:00") and appt.room == rooms[0]
    assert not AppointmentChange.objects.filter(appointment=appt).exists()


def test_the_service_reads_no_room_as_any_free_room_when_one_is_needed(
    owner: Persona, booked: Callable[..., Appointment], monday: dt.date, rooms: list[Room]
) -> None:
    """The API's ``"room_id": null`` ("pick any free room") reaches the same door."""
    appt = booked("10:00", room=rooms[0])
    booking.reschedule(actor=owner.actor, appointment=appt, start=at(monday, "15:00"), room=None)
    appt.refresh_from_db()
    assert appt.room == rooms[0] and appt.start == at(monday, "15:00")


def test_no_room_stays_no_room_for_a_service_without_one(
    owner: Persona,
    practitioner: Persona,
    a_client: Client,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
) -> None:
    talk = ServiceType.objects.create(
        clinic=owner.clinic, name="Phone call", duration_minutes=20, needs_room=False
    )
    talk.practitioners.set([practitioner.member])
    appt = book(
        actor=owner.actor,
        booking=Booking(
            client=a_client,
            practitioner=practitioner.member,
            service=talk,
            location=location,
            start=at(monday, "09:00"),
            room=rooms[0],
        ),
    )
    booking.reschedule(actor=owner.actor, appointment=appt, start=at(monday, "11:00"), room=None)
    appt.refresh_from_db()
    assert appt.room is None


def test_booked_and_history_times_are_in_the_locations_time(
    browser_as: Callable[[Persona], HttpClient],
    owner: Persona,
    practitioner: Persona,
    a_client: Client,
    service: ServiceType,
    monday: dt.date,
) -> None:
    """New York is never on UTC, so a UTC time on the page would not match (any instant)."""
    new_york = Location.objects.create(
        clinic=owner.clinic, name="Brooklyn", time_zone="America/New_York"
    )
    Room.objects.create(location=new_york, name="Maple")
    give_hours(practitioner.member, new_york)
    appt = book(
        actor=owner.actor,
        booking=Booking(
            client=a_client,
            practitioner=practitioner.member,
            service=service,
            location=new_york,
            start=at(monday, "10:00", "America/New_York"),
        ),
    )
    booking.reschedule(
        actor=owner.actor,
        appointment=appt,
        start=at(monday, "11:00", "America/New_York"),
        reason="Asked by phone",
    )
    change = AppointmentChange.objects.get(appointment=appt)
    html = browser_as(owner).get(f"/appointments/{appt.pk}/").content.decode()
    ny = zone("America/New_York")

    def shown(moment: dt.datetime) -> str:
        return f"{moment.day} {moment:%b %Y %H:%M}"

    booked_line = html[html.index("<dt>Booked</dt>") :][:200]
    assert shown(local(appt.created_at, ny)) in booked_line
    assert shown(appt.created_at.astimezone(dt.UTC)) not in booked_line
    history = html[html.index('<ul class="history">') :][:600]
    assert f"Rescheduled</strong> {shown(local(change.changed_at, ny))}" in history
    assert shown(change.changed_at.astimezone(dt.UTC)) not in history
    # The appointment's own times as before: local.
    assert "11:00" in html[html.index("<dt>When</dt>") :][:200]
