"""The SMART Scheduling Links feed: it parses, validates, and follows bookings."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

from django.test import Client as HttpClient
from django.utils import timezone
from fhir.resources.R4B.location import Location as FhirLocation
from fhir.resources.R4B.schedule import Schedule as FhirSchedule
from fhir.resources.R4B.slot import Slot as FhirSlot

from sacrum.directory import feed, periodic
from sacrum.scheduling.models import Appointment
from sacrum.scheduling.services.booking import Booking, book
from tests.directory.conftest import World

TIMESTAMP = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"


def fetch_feed() -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    http = HttpClient()
    response = http.get("/directory/slots/$bulk-publish", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    manifest = response.json()
    files: dict[str, list[dict[str, Any]]] = {}
    for output in manifest["output"]:
        path = output["url"].split("://", 1)[1].split("/", 1)[1]
        body = http.get(f"/{path}", HTTP_ACCEPT="application/fhir+ndjson")
        assert body.status_code == 200
        assert body["Content-Type"].startswith("application/fhir+ndjson")
        lines = [json.loads(line) for line in body.content.decode().splitlines()]
        files.setdefault(output["type"], []).extend(lines)
    return manifest, files


def test_the_manifest_and_files_follow_the_profiles(world: World) -> None:
    import re

    periodic.tick(timezone.now())
    manifest, files = fetch_feed()
    assert re.match(TIMESTAMP, manifest["transactionTime"])
    assert manifest["request"].endswith("/directory/slots/$bulk-publish")
    assert {o["type"] for o in manifest["output"]} == {"Location", "Schedule", "Slot"}
    assert manifest["error"] == []

    locations, schedules, slots = files["Location"], files["Schedule"], files["Slot"]
    assert [loc["id"] for loc in locations] == [str(world.location.pk)]
    for loc in locations:
        FhirLocation.model_validate(loc)
        assert loc["name"] and loc["telecom"] and loc["identifier"]
        assert {"line", "city", "state", "postalCode"} <= set(loc["address"])
        assert loc["position"] == {"latitude": 51.44964, "longitude": -2.59778}
    location_refs = {f"Location/{loc['id']}" for loc in locations}
    for schedule in schedules:
        FhirSchedule.model_validate(schedule)
        assert len(schedule["id"]) <= 64 and schedule["serviceType"]
        assert schedule["actor"][0]["reference"] in location_refs
    assert {s["serviceType"][0]["text"] for s in schedules} == {"Craniosacral session"}
    assert {s["actor"][1]["display"] for s in schedules} == {"Pat Practitioner"}
    schedule_refs = {f"Schedule/{s['id']}" for s in schedules}
    assert slots
    for slot in slots:
        FhirSlot.model_validate(slot)
        assert len(slot["id"]) <= 64
        assert slot["schedule"]["reference"] in schedule_refs
        assert slot["status"] in ("free", "busy")
        assert re.match(TIMESTAMP, slot["start"]) and re.match(TIMESTAMP, slot["end"])
        if slot["status"] == "free":
            links = [e["valueUrl"] for e in slot["extension"] if e["url"] == feed.DEEP_LINK]
            assert len(links) == 1 and "/book/stillwater-practice/details?" in links[0]


def test_unlisted_hidden_and_switched_off_are_not_in_the_feed(world: World) -> None:
    feed.refresh(timezone.now())
    _manifest, files = fetch_feed()
    text = json.dumps(files)
    assert "Secret session" not in text and "Olivia Owner" not in text
    world.clinic.directory_enabled = False
    world.clinic.save()
    feed.refresh(timezone.now())
    _manifest, files = fetch_feed()
    assert files["Location"] == [] and files["Schedule"] == [] and files["Slot"] == []


def test_a_booked_time_is_gone_after_the_next_refresh(world: World, a_client: Any) -> None:
    now = timezone.now()
    feed.refresh(now)
    _manifest, files = fetch_feed()
    free = [s for s in files["Slot"] if s["status"] == "free"]
    first = free[0]
    start = dt.datetime.fromisoformat(first["start"])
    book(
        actor=world.owner.actor,
        booking=Booking(
            client=a_client,
            practitioner=world.practitioner.member,
            service=world.service,
            location=world.location,
            start=start,
        ),
    )
    assert Appointment.objects.count() == 1
    _manifest, before = fetch_feed()
    assert first["id"] in {s["id"] for s in before["Slot"]}  # not refreshed yet
    assert not feed.due(now + dt.timedelta(minutes=1))
    assert feed.due(now + dt.timedelta(minutes=feed.REFRESH_MINUTES))
    periodic.tick(now + dt.timedelta(minutes=feed.REFRESH_MINUTES))
    _manifest, after = fetch_feed()
    free_ids = {s["id"] for s in after["Slot"] if s["status"] == "free"}
    assert first["id"] not in free_ids
    busy = [s for s in after["Slot"] if s["status"] == "busy"]
    assert [dt.datetime.fromisoformat(s["start"]) for s in busy] == [start]
    assert a_client.last_name not in json.dumps(after)


def test_free_slots_are_back_to_back_and_the_slot_file_comes_in_parts(
    world: World, monkeypatch: Any
) -> None:
    monkeypatch.setattr(feed, "SLOTS_PER_FILE", 7)
    feed.refresh(timezone.now())
    manifest, files = fetch_feed()
    names = [o["url"].rsplit("/", 1)[1] for o in manifest["output"] if o["type"] == "Slot"]
    assert names[:3] == ["slots.ndjson", "slots-2.ndjson", "slots-3.ndjson"]
    free = sorted(
        (dt.datetime.fromisoformat(s["start"]), dt.datetime.fromisoformat(s["end"]))
        for s in files["Slot"]
        if s["status"] == "free"
    )
    assert len(free) > 7
    blocked = dt.timedelta(minutes=world.service.buffer_after_minutes)
    for (_s1, end1), (start2, _e2) in itertools.pairwise(free):  # one practitioner, one place
        assert start2 >= end1 + blocked  # each could be booked whatever else is
    # Fewer lines next time: the parts no longer needed go, and are not found any more.
    monkeypatch.setattr(feed, "SLOTS_PER_FILE", 10_000)
    feed.refresh(timezone.now())
    manifest, _files = fetch_feed()
    assert [o["type"] for o in manifest["output"]] == ["Location", "Schedule", "Slot"]
    assert HttpClient().get("/directory/slots/slots-2.ndjson").status_code == 404
    assert HttpClient().get("/directory/slots/slots-0.ndjson").status_code == 404
