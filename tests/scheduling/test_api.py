"""Scheduling through /api/v1: the same rules as the services, as HTTP statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Location, Room
from sacrum.scheduling.models import Appointment, Series, ServiceType, WeeklyHours
from tests.conftest import ApiClient, Persona
from tests.scheduling.conftest import at


@pytest.fixture
def body(
    a_client: Client,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
) -> Callable[..., dict[str, Any]]:
    def make(hhmm: str = "10:00", **changes: Any) -> dict[str, Any]:
        data = {
            "client_id": str(a_client.pk),
            "practitioner_id": str(practitioner.member.pk),
            "service_id": str(service.pk),
            "location_id": str(location.pk),
            "start": f"{monday}T{hhmm}:00",  # local time at the location
        }
        data.update(changes)
        return data

    return make


def test_book_201_then_409_naming_the_practitioner(
    api: Callable[[Persona], ApiClient],
    front_desk: Persona,
    body: Callable[..., dict[str, Any]],
    second_client: Client,
    monday: dt.date,
) -> None:
    status, created = api(front_desk).post("/appointments", body())
    assert status == 201, created
    assert created["local_start"].startswith(f"{monday}T10:00")
    assert created["room_name"] == "Cedar" and created["status"] == "booked"
    status, error = api(front_desk).post(
        "/appointments", body("10:30", client_id=str(second_client.pk))
    )
    assert status == 409, error
    assert error["error"]["code"] == "conflict"
    assert "Pat Practitioner already has an appointment" in error["error"]["fields"]["practitioner"]
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"end": "{monday}T09:00:00"}, "end", "after the start"),
        ({"start": "{monday}T18:00:00"}, "start", "outside"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "not a known time zone"),
        ({"start": "2020-01-06T10:00:00"}, "start", "past"),
        ({"practitioner_id": "{owner}"}, "service", "does not offer"),
        ({"client_id": "{outsider_client}"}, "client_id", "No such client"),
    ],
)
def test_bad_input_is_422_by_field_and_writes_nothing(
    api: Callable[[Persona], ApiClient],
    owner: Persona,
    body: Callable[..., dict[str, Any]],
    monday: dt.date,
    changes: dict[str, str],
    field: str,
    words: str,
    outsider: Persona,
) -> None:
    from sacrum.clients.models import Client

    ServiceType.objects.get().practitioners.remove(owner.member)
    stranger = Client.objects.create(
        clinic=outsider.clinic, first_name="X", last_name="Y", date_of_birth=dt.date(1990, 1, 1)
    )
    fill = {"monday": monday, "owner": owner.member.pk, "outsider_client": stranger.pk}
    data = body(**{k: v.format(**fill) for k, v in changes.items()})
    status, error = api(owner).post("/appointments", data)
    assert status == 422, error
    assert words in error["error"]["fields"][field]
    assert Appointment.objects.count() == 0


def test_slots_are_local_and_bounded(
    api: Callable[[Persona], ApiClient],
    front_desk: Persona,
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
) -> None:
    q = f"/slots?service_id={service.pk}&location_id={location.pk}&date_from={monday}&date_to={monday}"
    status, found = api(front_desk).get(q)
    assert status == 200, found
    assert found["count"] == 58 and not found["truncated"]  # 29 each for Pat and Olivia
    assert found["slots"][0]["local_start"].startswith(f"{monday}T09:00")
    status, error = api(front_desk).get(q + "&time_zone=Nowhere/Land")
    assert status == 422 and "time_zone" in error["error"]["fields"]
    later = monday + dt.timedelta(days=200)
    status, error = api(front_desk).get(q.replace(f"date_to={monday}", f"date_to={later}"))
    assert status == 422 and "date_to" in error["error"]["fields"]


def test_reschedule_history_cancel_and_status(
    api: Callable[[Persona], ApiClient],
    owner: Persona,
    body: Callable[..., dict[str, Any]],
    monday: dt.date,
) -> None:
    status, created = api(owner).post("/appointments", body())
    path = f"/appointments/{created['id']}"
    status, moved = api(owner).post(
        f"{path}/reschedule", {"start": f"{monday}T13:00:00", "reason": "Asked"}
    )
    assert status == 200 and moved["local_start"].startswith(f"{monday}T13:00"), moved
    status, changes = api(owner).get(f"{path}/history")
    assert status == 200 and changes[0]["kind"] == "rescheduled" and changes[0]["reason"] == "Asked"
    status, error = api(owner).post(f"{path}/status", {"status": "completed"})
    assert status == 422 and "cannot become" in error["error"]["fields"]["status"]
    status, cancelled = api(owner).post(f"{path}/cancel", {"reason": "Unwell", "by": "client"})
    assert status == 200 and cancelled["status"] == "cancelled"
    assert cancelled["cancelled_by_party"] == "client" and cancelled["cancelled_late"] is False


def test_series_preview_lists_conflicts_then_books_the_chosen(
    api: Callable[[Persona], ApiClient],
    owner: Persona,
    body: Callable[..., dict[str, Any]],
    monday: dt.date,
    a_client: Client,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
) -> None:
    tuesday = monday + dt.timedelta(days=1)
    # Something already at Tuesday +2 weeks, 10:00.
    api(owner).post("/appointments", body(start=f"{tuesday + dt.timedelta(days=14)}T10:00:00"))
    request = {
        "client_id": str(a_client.pk),
        "practitioner_id": str(practitioner.member.pk),
        "service_id": str(service.pk),
        "location_id": str(location.pk),
        "first_date": str(tuesday),
        "local_time": "10:00",
        "phases": [{"rule": "weekly", "count": 4}, {"rule": "monthly", "count": 2}],
    }
    status, plan = api(owner).post("/series/preview", request)
    assert status == 200, plan
    assert len(plan["occurrences"]) == 6 and plan["conflicts"] == 1
    clash = next(o for o in plan["occurrences"] if not o["free"])
    assert "already has an appointment" in clash["problem"]
    assert clash["alternatives"], clash
    assert Series.objects.count() == 0 and Appointment.objects.count() == 1

    status, error = api(owner).post("/series", request)
    assert status == 409, error
    assert Series.objects.count() == 0 and Appointment.objects.count() == 1

    chosen = sorted(
        [o["start"] for o in plan["occurrences"] if o["free"]] + [clash["alternatives"][0]]
    )
    status, made = api(owner).post("/series", {**request, "occurrences": chosen})
    assert status == 201, made
    assert len(made["appointments"]) == 6
    status, result = api(owner).post(f"/series/{made['id']}/cancel", {"from_start": chosen[3]})
    assert status == 200 and result["cancelled"] == 3


def test_services_are_managed_by_owners(
    api: Callable[[Persona], ApiClient],
    owner: Persona,
    practitioner: Persona,
    body: Callable[..., dict[str, Any]],
) -> None:
    status, made = api(owner).post(
        "/services",
        {
            "name": "First visit",
            "duration_minutes": 75,
            "practitioner_ids": [str(practitioner.member.pk)],
        },
    )
    assert status == 201 and made["practitioner_ids"] == [str(practitioner.member.pk)]
    status, _ = api(practitioner).post("/services", {"name": "Mine"})
    assert status == 403
    status, error = api(owner).post("/services", {"name": "Too long", "duration_minutes": 150})
    assert status == 422 and "duration_minutes" in error["error"]["fields"]
    status, error = api(owner).post("/services", {"name": "first visit"})
    assert status == 422 and "already" in error["error"]["fields"]["name"]
    api(owner).post("/appointments", body())
    used = ServiceType.objects.get(name="Follow-up")
    status, error = api(owner).call("DELETE", f"/services/{used.pk}")
    assert status == 409
    status, _ = api(owner).call("DELETE", f"/services/{made['id']}")
    assert status == 204


def test_hours_own_or_owner_only(
    api: Callable[[Persona], ApiClient],
    owner: Persona,
    practitioner: Persona,
    front_desk: Persona,
    location: Location,
) -> None:
    mine = {
        "practitioner_id": str(practitioner.member.pk),
        "location_id": str(location.pk),
        "weekday": 5,
        "start_time": "09:00",
        "end_time": "12:00",
    }
    assert api(practitioner).post("/weekly-hours", mine)[0] == 201
    status, error = api(practitioner).post(
        "/weekly-hours", {**mine, "start_time": "11:00", "end_time": "13:00"}
    )
    assert status == 422 and "Overlaps" in error["error"]["fields"]["start_time"]
    status, error = api(owner).post(
        "/weekly-hours", {**mine, "weekday": 6, "start_time": "12:00", "end_time": "09:00"}
    )
    assert status == 422
    theirs = {**mine, "practitioner_id": str(owner.member.pk)}
    assert api(practitioner).post("/weekly-hours", theirs)[0] == 403
    assert api(front_desk).post("/weekly-hours", mine)[0] == 403
    assert WeeklyHours.objects.count() == 1
    status, error = api(owner).post(
        "/time-off",
        {
            "practitioner_id": str(practitioner.member.pk),
            "start": "2030-01-02T10:00:00",
            "end": "2030-01-01T10:00:00",
        },
    )
    assert status == 422 and "end" in error["error"]["fields"]


def test_dst_berlin_booking_stays_local(
    api: Callable[[Persona], ApiClient],
    owner: Persona,
    clinic: Clinic,
    practitioner: Persona,
    a_client: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.utils import timezone

    from sacrum.clinics.models import Location

    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    berlin = Location.objects.create(clinic=clinic, name="Berlin", time_zone="Europe/Berlin")
    service = ServiceType.objects.create(
        clinic=clinic, name="Session", duration_minutes=60, needs_room=False
    )
    service.practitioners.set([practitioner.member])
    for wd in range(7):
        WeeklyHours.objects.create(
            practitioner=practitioner.member,
            location=berlin,
            weekday=wd,
            start_time=dt.time(9),
            end_time=dt.time(17),
        )
    request = {
        "client_id": str(a_client.pk),
        "practitioner_id": str(practitioner.member.pk),
        "service_id": str(service.pk),
        "location_id": str(berlin.pk),
        "first_date": "2026-03-24",
        "local_time": "10:00",
        "phases": [{"rule": "weekly", "count": 3}],
    }
    status, made = api(owner).post("/series", request)
    assert status == 201, made
    assert [a["local_start"][11:16] for a in made["appointments"]] == ["10:00"] * 3
    assert [a["start"][11:16] for a in made["appointments"]] == ["09:00", "08:00", "08:00"]
    assert at(dt.date(2026, 3, 31), "10:00", "Europe/Berlin").hour == 8
