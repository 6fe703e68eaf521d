"""Staff pages read on the clinic's clock: a time shown, and a time typed, is the clinic's.

Stillwater is in London and the test clock is a June afternoon (British summer time, UTC+1),
so every time shown in UTC would be an hour early. The series and booking forms keep their
own handling of a location's zone (the hour that repeats or never happens).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from sacrum.charting.models import SessionNote
from sacrum.scheduling.models import Appointment
from tests.access.objects import Stillwater
from tests.charting.objects import make_chartable, took_place

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_a_session_time_on_the_chart_start_page_is_on_the_clinics_clock(
    browser_as: Any, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    appointment = took_place(Stillwater(owner, practitioner, front_desk).object("appointment_id"))
    assert isinstance(appointment, Appointment)
    page = browser_as(practitioner).get(reverse("web:chart_appointment", args=[appointment.pk]))
    shown = page.content.decode()
    local = appointment.start.astimezone(LONDON)
    utc = appointment.start.astimezone(dt.UTC)
    assert local.hour != utc.hour  # summer time: the two clocks differ
    assert f"{local:%H:%M}" in shown
    assert f"{utc:%H:%M}" not in shown


def test_an_unscheduled_session_is_offered_and_kept_on_the_clinics_clock(
    browser_as: Any, practitioner: Any, a_client: Any
) -> None:
    make_chartable(practitioner, a_client)
    http = browser_as(practitioner)
    url = reverse("web:note_new", args=[a_client.pk])
    offered = http.get(url).content.decode()
    now_here = timezone.now().astimezone(LONDON)
    assert f'value="{now_here:%Y-%m-%dT%H:%M}"' in offered  # the prefilled time is local

    earlier = (now_here - dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    http.post(url, {"seen_at": f"{earlier:%Y-%m-%dT%H:%M}"})
    note = SessionNote.objects.get(client=a_client)
    assert note.seen_at == earlier  # 3 hours ago here, not 3 hours ago plus an hour


def test_no_time_zone_is_left_active_after_a_staff_page(browser_as: Any, owner: Any) -> None:
    browser_as(owner).get(reverse("web:dashboard"))
    assert timezone.get_current_timezone_name() == "UTC"
