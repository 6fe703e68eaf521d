"""The appointment page's free-time picker: a day's free times, from → to, and the move.

The picked move goes through ``booking.reschedule`` like the typed "Move": same checks,
same audit entry, same history line, same message. Compares with today (the picker never
shows a past day), so it also runs at the awkward instants (dev.py's CLOCK_TESTS).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.test import Client as HttpClient
from django.utils import timezone

from sacrum.access.models import AuditEntry
from sacrum.clients.models import Client
from sacrum.clinics.models import Room
from sacrum.scheduling import moving
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, AppointmentChange
from sacrum.scheduling.services import booking
from tests.conftest import Persona
from tests.scheduling.conftest import at

LONDON = zone("Europe/London")


def _epoch(day: dt.date, hhmm: str) -> int:
    return int(at(day, hhmm).timestamp())


def _times(appointment: Appointment, who: Persona, day: dt.date) -> list[str]:
    return [t.label for t in moving.free_times(appointment, who.member, day)]


def test_free_times_leave_out_the_own_time_and_what_is_taken(
    booked: Callable[..., Appointment],
    monday: dt.date,
    practitioner: Persona,
    owner: Persona,
    second_client: Client,
) -> None:
    appt = booked("10:00")
    booked("14:00", client=second_client)  # the practitioner is busy 14:00-15:00 (buffer)
    booked("11:00", who=owner, client=appt.client)  # the client is with the owner at 11:00
    times = _times(appt, practitioner, monday)
    assert times[0] == "09:00" and times[-1] == "16:00"  # 50 min + 10 buffer, hours to 17:00
    assert "10:00" not in times  # its own time: nothing to move to
    assert "13:00" in times and "13:15" not in times and "14:45" not in times
    assert "15:00" in times
    assert "11:00" not in times and "10:15" not in times  # the client's other appointment
    # With the owner instead: the owner's own 11:00 with this client blocks that time too,
    # and this appointment's time is free for them.
    with_owner = _times(appt, owner, monday)
    assert "10:00" in with_owner and "11:00" not in with_owner


def test_pick_a_time_see_from_and_to_and_move(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    practitioner: Persona,
) -> None:
    appt = booked("10:00")
    http = browser_as(front_desk)
    tuesday = monday + dt.timedelta(days=1)
    query = f"day={tuesday}&with={practitioner.member.pk}"
    day = http.get(f"/appointments/{appt.pk}/?{query}").content.decode()
    assert "Move to a free time" in day and tuesday.strftime("%A %-d %B %Y") in day
    target = _epoch(tuesday, "15:30")
    assert f'href="?{query.replace("&", "&amp;")}&amp;at={target}#move-confirm">15:30<' in day
    # The day links: ids and dates only.
    assert f"day={monday}&amp;with={practitioner.member.pk}#move-picker" in day
    assert f"day={tuesday + dt.timedelta(days=7)}&amp;with=" in day

    confirm = http.get(f"/appointments/{appt.pk}/?{query}&at={target}").content.decode()
    assert "Move this appointment?" in confirm
    assert f"{monday:%A} {monday.day} {monday:%B}, 10:00\u201310:50" in confirm
    assert f"{tuesday:%A} {tuesday.day} {tuesday:%B}, 15:30\u201316:20" in confirm
    assert AppointmentChange.objects.filter(appointment=appt).count() == 0  # nothing moved

    audits = AuditEntry.objects.filter(object_id=str(appt.pk)).count()
    moved = http.post(
        f"/appointments/{appt.pk}/move",
        {"at": target, "practitioner": practitioner.member.pk, "reason": "Asked by phone"},
        follow=True,
    )
    assert moved.redirect_chain[-1][0] == f"/appointments/{appt.pk}/"
    page = moved.content.decode()
    assert "The appointment was moved." in page
    appt.refresh_from_db()
    assert appt.start == at(tuesday, "15:30") and appt.end == at(tuesday, "16:20")
    assert appt.room is not None  # the service needs a room: a free one was chosen
    change = AppointmentChange.objects.get(appointment=appt)
    assert (change.kind, change.from_start, change.to_start) == (
        "rescheduled",
        at(monday, "10:00"),
        at(tuesday, "15:30"),
    )
    assert change.reason == "Asked by phone" and change.changed_by == front_desk.user
    assert f"From {monday:%a} {monday.day} {monday:%b} 10:00 to {tuesday:%a}" in page
    assert AuditEntry.objects.filter(object_id=str(appt.pk)).count() > audits


def test_another_practitioner_from_the_picker(
    browser_as: Callable[[Persona], HttpClient],
    owner: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    practitioner: Persona,
) -> None:
    appt = booked("10:00")
    http = browser_as(owner)
    page = http.get(f"/appointments/{appt.pk}/?day={monday}&with={owner.member.pk}")
    html = page.content.decode()
    assert f'<option value="{owner.member.pk}" selected>' in html
    assert f"at={_epoch(monday, '10:00')}#move-confirm" in html  # free for the owner
    moved = http.post(
        f"/appointments/{appt.pk}/move",
        {"at": _epoch(monday, "10:00"), "practitioner": owner.member.pk},
    )
    assert moved.status_code == 302
    appt.refresh_from_db()
    assert appt.practitioner_id == owner.member.pk and appt.start == at(monday, "10:00")
    assert AppointmentChange.objects.get(appointment=appt).kind == "reassigned"


def test_a_time_taken_meanwhile_is_refused_by_the_times(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    practitioner: Persona,
    second_client: Client,
) -> None:
    appt = booked("10:00")
    http = browser_as(front_desk)
    target = _epoch(monday, "15:00")
    booked("15:00", client=second_client)  # someone else took it after the tap
    refused = http.post(
        f"/appointments/{appt.pk}/move",
        {"at": target, "practitioner": practitioner.member.pk},
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    errors = html[html.index('<div class="form-errors" role="alert">') :]
    assert "Ada Lovelace" not in errors[: errors.index("</div>")]  # says why, names no client
    assert "already has an appointment" in errors[: errors.index("</div>")]
    assert f"at={target}#move-confirm" not in html  # the day's times, without the taken one
    assert "Move this appointment?" not in html
    appt.refresh_from_db()
    assert appt.start == at(monday, "10:00")
    assert not AppointmentChange.objects.filter(appointment=appt).exists()


def test_outside_hours_is_refused_in_words_and_the_typed_form_stays(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    practitioner: Persona,
) -> None:
    appt = booked("10:00")
    http = browser_as(front_desk)
    evening = _epoch(monday, "19:00")
    refused = http.post(
        f"/appointments/{appt.pk}/move", {"at": evening, "practitioner": practitioner.member.pk}
    )
    html = refused.content.decode()
    assert "outside" in html and "hours" in html
    assert "For a time the free times above do not show, type it here." in html
    assert 'action="/appointments/' in html and "/reschedule" in html


def test_the_day_never_goes_before_today_and_nonsense_falls_back(
    browser_as: Callable[[Persona], HttpClient],
    front_desk: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    practitioner: Persona,
) -> None:
    appt = booked("10:00")
    http = browser_as(front_desk)
    today = local(timezone.now(), LONDON).date()
    past = http.get(f"/appointments/{appt.pk}/?day=2001-01-01&with={practitioner.member.pk}")
    assert f"{today:%A} {today.day} {today:%B %Y}" in past.content.decode()
    assert f"day={today - dt.timedelta(days=1)}&amp;" not in past.content.decode()
    for junk in ("day=tomorrow&with=x", "with=00000000-0000-0000-0000-000000000000&at=99", "at="):
        page = http.get(f"/appointments/{appt.pk}/?{junk}")
        assert page.status_code == 200
        html = page.content.decode()
        assert "Move this appointment?" not in html
        # The appointment's own day and practitioner.
        assert f"{monday:%A} {monday.day} {monday:%B %Y}</h3>" in html
        assert f'<option value="{practitioner.member.pk}" selected>' in html
    bad = http.post(f"/appointments/{appt.pk}/move", {"at": "x", "practitioner": "y"})
    assert bad.status_code == 200 and "form-errors" in bad.content.decode()


def test_a_service_without_a_room_keeps_its_room_and_it_must_be_free(
    browser_as: Callable[[Persona], HttpClient],
    owner: Persona,
    booked: Callable[..., Appointment],
    monday: dt.date,
    practitioner: Persona,
    rooms: list[Room],
    second_client: Client,
) -> None:
    appt = booked("10:00", room=rooms[0])
    appt.service.needs_room = False
    appt.service.save()
    booked("15:00", who=owner, client=second_client, room=rooms[0])  # Cedar busy at 15:00
    times = _times(appt, practitioner, monday)
    assert "15:00" not in times and "13:00" in times
    moved = browser_as(owner).post(
        f"/appointments/{appt.pk}/move",
        {"at": _epoch(monday, "13:00"), "practitioner": practitioner.member.pk},
    )
    assert moved.status_code == 302
    appt.refresh_from_db()
    assert appt.room == rooms[0] and appt.start == at(monday, "13:00")


def test_no_picker_for_a_cancelled_appointment(
    browser_as: Callable[[Persona], HttpClient],
    owner: Persona,
    booked: Callable[..., Appointment],
) -> None:
    appt = booked("10:00")
    booking.cancel(actor=owner.actor, appointment=appt, reason="", party="client")
    html = browser_as(owner).get(f"/appointments/{appt.pk}/").content.decode()
    assert "Move to a free time" not in html
    refused = browser_as(owner).post(
        f"/appointments/{appt.pk}/move",
        {"at": int(appt.start.timestamp()) + 3600, "practitioner": appt.practitioner_id},
        follow=True,
    )
    assert "A cancelled appointment cannot be moved." in refused.content.decode()
