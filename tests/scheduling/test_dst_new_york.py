"""America/New_York's autumn change (2026-11-01): a weekly 10:00 series stays 10:00 local.

Berlin's spring change is in test_api.py; here the clocks go back, so the UTC instant
moves later by an hour while the wall clock stays put — for a series that starts
before the change and one that is monthly across it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Location
from sacrum.scheduling.models import ServiceType, WeeklyHours
from tests.conftest import ApiClient, Persona


@pytest.fixture
def new_york(
    clinic: Clinic, practitioner: Persona, monkeypatch: pytest.MonkeyPatch
) -> tuple[Location, ServiceType]:
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


def _series(
    api: Callable[[Persona], ApiClient],
    owner: Persona,
    a_client: Client,
    practitioner: Persona,
    place: Location,
    service: ServiceType,
    phases: list[dict[str, Any]],
) -> tuple[int, Any]:
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
    api: Callable[[Persona], ApiClient],
    owner: Persona,
    a_client: Client,
    practitioner: Persona,
    new_york: tuple[Location, ServiceType],
) -> None:
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


def test_slots_follow_the_local_clock_on_the_change_day(
    api: Callable[[Persona], ApiClient], front_desk: Persona, new_york: tuple[Location, ServiceType]
) -> None:
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


def _preview(
    api: Callable[[Persona], ApiClient],
    owner: Persona,
    a_client: Client,
    practitioner: Persona,
    place: Location,
    service: ServiceType,
    first_date: str,
    local_time: str,
) -> tuple[int, Any]:
    return api(owner).post(
        "/series/preview",
        {
            "client_id": str(a_client.pk),
            "practitioner_id": str(practitioner.member.pk),
            "service_id": str(service.pk),
            "location_id": str(place.pk),
            "first_date": first_date,
            "local_time": local_time,
            "phases": [{"rule": "weekly", "count": 3}],
        },
    )


def test_the_planner_says_when_spring_forward_moves_an_occurrence(
    api: Callable[[Persona], ApiClient],
    owner: Persona,
    a_client: Client,
    practitioner: Persona,
    new_york: tuple[Location, ServiceType],
) -> None:
    """A weekly 02:30 on 14 March 2027 (02:00 jumps to 03:00) is at 03:30 — and says so."""
    status, plan = _preview(api, owner, a_client, practitioner, *new_york, "2027-02-28", "02:30")
    assert status == 200, plan
    first, second, changed = plan["occurrences"]
    assert first["clock_change"] == second["clock_change"] == ""
    assert changed["local_start"][:16] == "2027-03-14T03:30"
    assert changed["clock_change"] == (
        "02:30 does not exist on Sun 14 Mar 2027 (the clocks go forward), "
        "so this appointment is at 03:30."
    )
    assert changed["label"] == "Sun 14 Mar 2027 03:30 EDT"


def test_the_planner_shows_the_offset_when_the_hour_repeats(
    api: Callable[[Persona], ApiClient],
    owner: Persona,
    a_client: Client,
    practitioner: Persona,
    new_york: tuple[Location, ServiceType],
) -> None:
    """On 1 November 2026 01:00 happens twice: the occurrence says which one it is."""
    status, plan = _preview(api, owner, a_client, practitioner, *new_york, "2026-10-18", "01:00")
    assert status == 200, plan
    repeated = plan["occurrences"][-1]
    assert repeated["label"] == "Sun 1 Nov 2026 01:00 EDT (UTC-04:00)"
    assert repeated["clock_change"] == (
        "01:00 happens twice on Sun 1 Nov 2026 (the clocks go back); this appointment is "
        "at the first 01:00, UTC-04:00."
    )
    assert plan["occurrences"][0]["label"] == "Sun 18 Oct 2026 01:00 EDT"


def test_the_two_repeated_wall_times_read_differently() -> None:
    from zoneinfo import ZoneInfo

    from sacrum.scheduling.local_time import wall_label

    tz = ZoneInfo("America/New_York")
    first = dt.datetime(2026, 11, 1, 5, 0, tzinfo=dt.UTC)  # 01:00 EDT
    second = dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.UTC)  # 01:00 EST, an hour later
    assert wall_label(first, tz) == "Sun 1 Nov 2026 01:00 EDT (UTC-04:00)"
    assert wall_label(second, tz) == "Sun 1 Nov 2026 01:00 EST (UTC-05:00)"
    assert wall_label(first, ZoneInfo("Europe/Berlin")) == "Sun 1 Nov 2026 06:00 CET"
