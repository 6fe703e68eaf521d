"""Private calendar feeds: parsed with icalendar; initials only; revocable; DST-right."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from icalendar import Calendar

from sacrum.access.models import AuditEntry
from sacrum.clients.models import Client
from sacrum.clinics.models import Room
from sacrum.notifications import services
from sacrum.notifications.ical import build_feed
from sacrum.notifications.models import CalendarFeed
from tests.notifications.conftest import local


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def events(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def soon(days: int, hhmm: str = "10:00") -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return local(day.isoformat(), hhmm, "Europe/Berlin")


@pytest.fixture
def grace(clinic: Any) -> Client:
    return Client.objects.create(
        clinic=clinic,
        first_name="Grace",
        last_name="Hopper",
        date_of_birth=dt.date(1956, 12, 9),
        presenting_concerns="Migraine with aura",
    )


def test_the_feed_shows_own_appointments_with_initials_only(
    api: Any, practitioner: Any, owner: Any, appointment_at: Any, berlin: Any, grace: Client
) -> None:
    room = Room.objects.create(location=berlin, name="Linden")
    mine = appointment_at(soon(3), room=room, note="Wheelchair access")
    appointment_at(soon(4), who=owner.member, client=grace)  # the owner's, not in Pat's feed
    status, body = api(practitioner).post("/calendar-feeds", {})
    assert status == 201, body
    assert body["active"] is True

    response = HttpClient().get(path_of(body["url"]))  # no sign-in
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"]
    (event,) = events(response.content)
    assert str(event["summary"]) == "Craniosacral session · A.L."
    assert str(event["location"]) == "Prenzlauer Berg, Linden"
    assert str(event["uid"]).startswith(str(mine.pk))
    assert event.decoded("dtstart") == mine.start
    assert event.decoded("dtend") == mine.end
    text = response.content.decode()
    for secret in ("Ada", "Lovelace", "Tension", "Wheelchair", "Grace", "Hopper", "Migraine"):
        assert secret not in text


def test_cancelled_appointments_leave_the_feed(practitioner: Any, appointment_at: Any) -> None:
    appointment_at(soon(3))
    appointment_at(soon(4), status="requested")
    cancelled = appointment_at(soon(5))
    cancelled.status, cancelled.cancelled_at = "cancelled", timezone.now()
    cancelled.save()
    feed, _raw = services.create_feed(actor=practitioner.actor)
    found = events(build_feed(feed))
    assert [str(e["status"]) for e in found] == ["CONFIRMED", "TENTATIVE"]


def test_revoked_or_replaced_tokens_are_404(api: Any, practitioner: Any) -> None:
    http = HttpClient()
    _status, first = api(practitioner).post("/calendar-feeds", {})
    _status, second = api(practitioner).post("/calendar-feeds", {})  # a new address
    assert http.get(path_of(first["url"])).status_code == 404
    assert http.get(path_of(second["url"])).status_code == 200
    status, _ = api(practitioner).call("DELETE", f"/calendar-feeds/{second['id']}")
    assert status == 204
    assert http.get(path_of(second["url"])).status_code == 404
    assert http.get("/calendar-feeds/not-a-token.ics").status_code == 404
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 0


def test_a_feed_stops_when_the_practitioner_leaves(practitioner: Any) -> None:
    _feed, raw = services.create_feed(actor=practitioner.actor)
    url = f"/calendar-feeds/{raw}.ics"
    assert HttpClient().get(url).status_code == 200
    practitioner.member.active = False
    practitioner.member.save()
    assert HttpClient().get(url).status_code == 404


def test_only_a_hash_is_stored_and_changes_are_audited(practitioner: Any) -> None:
    feed, raw = services.create_feed(actor=practitioner.actor)
    assert raw not in feed.token_digest
    assert feed.token_digest == services.digest(raw)
    assert AuditEntry.objects.filter(object_type="calendarfeed", action="create").count() == 1


def test_who_may_do_what_with_feeds(
    api: Any, practitioner: Any, owner: Any, front_desk: Any, outsider: Any
) -> None:
    status, body = api(front_desk).post("/calendar-feeds", {})
    assert status == 403, body
    _s, pats = api(practitioner).post("/calendar-feeds", {})
    _s, owners = api(owner).post("/calendar-feeds", {})
    # The practitioner sees only their own; the owner sees (and may revoke) everyone's.
    assert [f["id"] for f in api(practitioner).get("/calendar-feeds")[1]] == [pats["id"]]
    assert {f["id"] for f in api(owner).get("/calendar-feeds")[1]} == {pats["id"], owners["id"]}
    assert api(practitioner).call("DELETE", f"/calendar-feeds/{owners['id']}")[0] == 404
    assert api(outsider).call("DELETE", f"/calendar-feeds/{pats['id']}")[0] == 404
    assert api(owner).call("DELETE", f"/calendar-feeds/{pats['id']}")[0] == 204
    assert HttpClient().get(path_of(pats["url"])).status_code == 404


@pytest.mark.parametrize(
    ("tz", "day", "hhmm", "utc"),
    [
        ("Europe/Berlin", "2026-03-27", "10:00", "2026-03-27T09:00"),  # CET, before the change
        ("Europe/Berlin", "2026-03-30", "10:00", "2026-03-30T08:00"),  # CEST, after it
        ("America/New_York", "2026-10-30", "09:00", "2026-10-30T13:00"),  # EDT
        ("America/New_York", "2026-11-02", "09:00", "2026-11-02T14:00"),  # EST
    ],
)
def test_feed_times_across_daylight_saving(
    practitioner: Any, appointment_at: Any, new_york: Any, tz: str, day: str, hhmm: str, utc: str
) -> None:
    where = new_york if tz == "America/New_York" else None
    appointment = appointment_at(local(day, hhmm, tz), location=where)
    feed, _raw = services.create_feed(actor=practitioner.actor)
    body = build_feed(feed, now=appointment.start - dt.timedelta(days=7))
    calendar = Calendar.from_ical(body)
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    assert start.strftime("%H:%M") == hhmm  # shown at the local wall time
    assert str(event["dtstart"].params["TZID"]) == tz
    assert tz in {str(c["tzid"]) for c in calendar.walk("VTIMEZONE")}
