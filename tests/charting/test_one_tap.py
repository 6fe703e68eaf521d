""" "Chart this session" in one tap: the button posts, the draft starts, the editor opens.

What the start page used to ask is in the editor: the carry-forward as the practitioner
chose last time, and the paperwork to follow up. A session that can't be charted yet gets
the start page with the reason; an existing note opens; a GET never writes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from sacrum.charting import services
from sacrum.charting.models import SessionNote
from sacrum.scheduling.models import Appointment
from tests.access.objects import Stillwater
from tests.charting.objects import make_chartable, signed, took_place

pytestmark = pytest.mark.django_db

AT_ONCE = {"at_once": "1"}


def _session(owner: Any, practitioner: Any, front_desk: Any, *, chartable: bool = True) -> Any:
    appointment = took_place(Stillwater(owner, practitioner, front_desk).object("appointment_id"))
    assert isinstance(appointment, Appointment)
    if chartable:
        make_chartable(practitioner, appointment.client)
    return appointment


def _chart(appointment: Any) -> str:
    return reverse("web:chart_appointment", args=[appointment.pk])


def test_one_tap_starts_the_draft_and_opens_the_editor(
    browser_as: Any, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    appointment = _session(owner, practitioner, front_desk)
    http = browser_as(practitioner)
    button = http.get(reverse("web:appointment_detail", args=[appointment.pk])).content.decode()
    assert f'action="{_chart(appointment)}"' in button and 'name="at_once" value="1"' in button
    assert http.get(_chart(appointment)).status_code == 200  # a GET shows the start page
    assert not SessionNote.objects.filter(appointment=appointment).exists()  # and writes nothing

    opened = http.post(_chart(appointment), AT_ONCE, follow=True)
    note = SessionNote.objects.get(appointment=appointment)
    assert opened.redirect_chain == [(reverse("web:note_detail", args=[note.pk]), 302)]
    assert note.status == "draft" and note.author == practitioner.member
    assert b"Review and sign" in opened.content  # the editor, not the start page
    assert b"Start the note" not in opened.content

    again = http.post(_chart(appointment), AT_ONCE)  # a second tap opens the same draft
    assert again["Location"] == reverse("web:note_detail", args=[note.pk])
    assert SessionNote.objects.filter(appointment=appointment).count() == 1


def test_one_tap_carries_forward_as_last_chosen(
    browser_as: Any, owner: Any, practitioner: Any, front_desk: Any, clock: Any
) -> None:
    appointment = _session(owner, practitioner, front_desk)
    now = timezone.now()
    clock.move_to(appointment.start - dt.timedelta(days=7))  # the session before this one
    signed(practitioner, appointment.client, next_visit="In 3 weeks", complaint="Neck")
    clock.move_to(now)
    services.remember_carry_forward(actor=practitioner.actor, parts=["plan"])
    opened = browser_as(practitioner).post(_chart(appointment), AT_ONCE, follow=True)
    note = SessionNote.objects.get(appointment=appointment)
    assert note.next_visit == "In 3 weeks" and note.complaint == ""  # only what was chosen
    # The editor still offers the choice (the start page's boxes), ticked as remembered.
    page = opened.content.decode()
    assert "Carry forward from the note of" in page
    assert 'name="carry" value="plan" checked' in page


def test_one_tap_with_paperwork_missing_lists_it_in_the_editor(
    browser_as: Any, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    appointment = _session(owner, practitioner, front_desk, chartable=False)
    opened = browser_as(practitioner).post(_chart(appointment), AT_ONCE, follow=True)
    assert SessionNote.objects.filter(appointment=appointment).exists()
    assert b"Paperwork to follow up" in opened.content
    assert b"Review and sign" in opened.content


def test_one_tap_for_a_session_not_yet_begun_shows_the_reason(
    browser_as: Any, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    appointment: Any = Stillwater(owner, practitioner, front_desk).object("appointment_id")
    make_chartable(practitioner, appointment.client)
    refused = browser_as(practitioner).post(_chart(appointment), AT_ONCE)
    assert refused.status_code == 409
    assert b"has not begun yet" in refused.content
    assert not SessionNote.objects.filter(appointment=appointment).exists()


def test_the_dashboard_lists_sessions_with_no_note_as_one_tap_buttons(
    browser_as: Any, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    appointment = _session(owner, practitioner, front_desk)
    Appointment.objects.filter(pk=appointment.pk).update(status="completed")
    page = browser_as(practitioner).get("/").content.decode()
    card = page[page.index("Sessions with no note") :]
    assert f'action="{_chart(appointment)}"' in card
    assert "Chart this session" in card and 'name="at_once" value="1"' in card


def test_front_desk_cannot_start_a_note(
    browser_as: Any, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    appointment = _session(owner, practitioner, front_desk)
    assert browser_as(front_desk).post(_chart(appointment), AT_ONCE).status_code in (403, 404)
    assert not SessionNote.objects.filter(appointment=appointment).exists()


def test_the_schedule_today_offers_it_on_the_practitioners_begun_sessions(
    browser_as: Any, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    appointment: Any = Stillwater(owner, practitioner, front_desk).object("appointment_id")
    length = appointment.end - appointment.start
    begun = timezone.now() - dt.timedelta(minutes=5)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=begun, end=begun + length, blocked_start=begun, blocked_end=begun + length
    )
    button = f'action="{_chart(appointment)}"'
    schedule = browser_as(practitioner).get("/").content.decode()
    schedule = schedule[schedule.index('id="h-schedule"') : schedule.index("</table>")]
    assert button in schedule and "Chart this session" in schedule
    desk = browser_as(front_desk).get("/").content.decode()
    assert button not in desk  # the front desk does not chart
    ahead = begun + dt.timedelta(minutes=10)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=ahead, end=ahead + length, blocked_start=ahead, blocked_end=ahead + length
    )
    later = browser_as(practitioner).get("/").content.decode()
    assert button not in later  # not before the session has begun
