"""America/New_York's autumn change (2026-11-01): a weekly 10:00 series stays 10:00 local.

Berlin's spring change is in test_api.py; here the clocks go back, so the UTC instant
moves later by an hour while the wall clock stays put — for a series that starts
before the change and one that is monthly across it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sacrum.clinics.models import Location
from sacrum.scheduling.models import ServiceType, WeeklyHours


@pytest.fixture
def new_york(clinic, practitioner, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    place = Location.objects.create(clinic=clinic, name="Brooklyn", time_zone="America/New_York")
    service = ServiceType.objects.create(
        clinic=clinic, name="Session", duration_minutes=60, needs_room=False
    )
    service.practitioners.set([practitioner.member])
    for weekday in range(7):
        WeeklyHours.objects.create(
            practitioner=practitioner.member,
            location=place,
            weekday=weekday,
            start_time=dt.time(9),
            end_time=dt.time(17),
        )
    return place, service


def _series(api, owner, a_client, practitioner, place, service, phases):
    return api(owner).post(
        "/series",
        {
            "client_id": str(a_client.pk),
            "practitioner_id": str(practitioner.member.pk),
            "service_id": str(service.pk),
            "location_id": str(place.pk),
            "first_date": "2026-10-20",
            "local_time": "10:00",
            "phases": phases,
        },
    )


def test_weekly_series_keeps_local_time_when_clocks_go_back(
    api, owner, a_client, practitioner, new_york
):
    status, made = _series(
        api, owner, a_client, practitioner, *new_york, [{"rule": "weekly", "count": 3}]
    )
    assert status == 201, made
    assert [a["local_start"][:16] for a in made["appointments"]] == [
        "2026-10-20T10:00",
        "2026-10-27T10:00",
        "2026-11-03T10:00",
    ]
    # EDT (UTC-4) before the change, EST (UTC-5) after it.
    assert [a["start"][11:16] for a in made["appointments"]] == ["14:00", "14:00", "15:00"]


def test_slots_follow_the_local_clock_on_the_change_day(api, front_desk, new_york):
    place, service = new_york
    status, page = api(front_desk).get(
        f"/slots?service_id={service.pk}&location_id={place.pk}"
        "&date_from=2026-10-31&date_to=2026-11-02"
    )
    assert status == 200, page
    firsts: dict[str, str] = {}
    for slot in page["slots"]:
        firsts.setdefault(slot["local_start"][:10], slot["local_start"][11:16])
    assert firsts == {"2026-10-31": "09:00", "2026-11-01": "09:00", "2026-11-02": "09:00"}
