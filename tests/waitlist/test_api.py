"""The waitlist API: add, list, withdraw, offers; bad input is a 4xx and writes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.utils import timezone

from sacrum.access.models import AuditEntry
from sacrum.scheduling.models import ServiceType
from sacrum.scheduling.services import booking
from sacrum.waitlist.matching import scan
from sacrum.waitlist.models import WaitlistEntry, WaitlistOffer, WaitlistSlot

pytestmark = pytest.mark.django_db


def body(
    client: Any, service: Any, location: Any, monday: dt.date, **changes: Any
) -> dict[str, Any]:
    data = {
        "client_id": str(client.pk),
        "service_id": str(service.pk),
        "location_id": str(location.pk),
        "earliest_date": monday.isoformat(),
        "latest_date": (monday + dt.timedelta(days=14)).isoformat(),
        "weekdays": [0, 2],
        "earliest_time": "09:30",
        "latest_time": "12:00",
        "note": "Can come at short notice",
    }
    return data | changes


def written() -> tuple[int, int, int, int]:
    return (
        WaitlistEntry.objects.count(),
        WaitlistSlot.objects.count(),
        WaitlistOffer.objects.count(),
        AuditEntry.objects.filter(object_type="waitlistentry").count(),
    )


def test_front_desk_adds_lists_and_withdraws(
    api: Any, front_desk: Any, a_client: Any, service: Any, location: Any, monday: dt.date
) -> None:
    http = api(front_desk)
    status, made = http.post("/waitlist", body(a_client, service, location, monday))
    assert status == 201, made
    assert made["weekdays"] == [0, 2] and made["status"] == "waiting"
    assert made["client_name"] == "Ada Lovelace" and made["earliest_time"] == "09:30:00"

    status, page = http.get("/waitlist?status=waiting")
    assert status == 200 and [e["id"] for e in page["items"]] == [made["id"]]

    status, again = http.post("/waitlist", body(a_client, service, location, monday))
    assert status == 422 and "already waiting" in again["error"]["fields"]["service_id"]

    status, withdrawn = http.post(f"/waitlist/{made['id']}/withdraw", {})
    assert status == 200 and withdrawn["status"] == "withdrawn"
    status, error = http.post(f"/waitlist/{made['id']}/withdraw", {})
    assert status == 422 and "already withdrawn" in error["error"]["fields"]["status"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"latest_date": "2020-01-01"}, "latest_date"),  # ends before it starts
        ({"service_id": str(uuid.uuid4())}, "service_id"),  # unknown service
        ({"location_id": str(uuid.uuid4())}, "location_id"),
        ({"client_id": str(uuid.uuid4())}, "client_id"),
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [7]}, "weekdays"),
        ({"earliest_time": "12:00", "latest_time": "11:00"}, "latest_time"),
        ({"earliest_date": "not a date"}, "earliest_date"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    api: Any,
    owner: Any,
    a_client: Any,
    service: Any,
    location: Any,
    monday: dt.date,
    changes: dict[str, Any],
    field: str,
) -> None:
    before = written()
    status, error = api(owner).post(
        "/waitlist", body(a_client, service, location, monday, **changes)
    )
    assert status == 422, error
    assert field in error["error"]["fields"], error
    assert written() == before


def test_a_practitioner_who_does_not_offer_the_service_is_refused(
    api: Any, owner: Any, a_client: Any, location: Any, monday: dt.date, practitioner: Any
) -> None:
    other = ServiceType.objects.create(
        clinic=owner.clinic, name="Short session", duration_minutes=30
    )
    data = body(a_client, other, location, monday, practitioner_id=str(practitioner.member.pk))
    status, error = api(owner).post("/waitlist", data)
    assert status == 422 and "does not offer" in error["error"]["fields"]["practitioner_id"]
    assert written() == (0, 0, 0, 0)


def test_another_clinics_service_is_just_unknown(
    api: Any, owner: Any, outsider: Any, a_client: Any, location: Any, monday: dt.date
) -> None:
    theirs = ServiceType.objects.create(clinic=outsider.clinic, name="Theirs", duration_minutes=30)
    status, error = api(owner).post("/waitlist", body(a_client, theirs, location, monday))
    assert (
        status == 422
        and error["error"]["fields"]["service_id"] == "No such service in this clinic."
    )
    status, _ = api(outsider).get("/waitlist")
    assert status == 200


def test_offers_are_listed_without_tokens(api: Any, owner: Any, line: Any, blocker: Any) -> None:
    booking.cancel(actor=owner.actor, appointment=blocker)
    scan(timezone.now())
    status, page = api(owner).get("/waitlist-offers?status=offered")
    assert status == 200 and page["count"] == 3
    assert all("token" not in key for key in page["items"][0])
    assert page["items"][0]["start"].startswith(blocker.start.strftime("%Y-%m-%dT%H:%M"))
    status, mine = api(owner).get(f"/waitlist/{line[0].pk}/offers")
    assert status == 200 and len(mine) == 1 and mine[0]["entry_id"] == str(line[0].pk)
