"""Per-address limits on the public pages and the feed: 429 in words, for that address only,
until the window turns over. The clock is moved, never waited for."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from sacrum.directory import feed, limits
from sacrum.scheduling.ratelimit import Limit
from tests.directory.conftest import World

START = dt.datetime(2026, 6, 10, 12, 0, 5, tzinfo=dt.UTC)  # 5 s into a 10-minute window


def test_pages_over_the_limit_get_a_429_in_words_until_the_window_passes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "PAGES_PER_IP", Limit("t-directory", 25, 600))
    visitor, other = HttpClient(REMOTE_ADDR="192.0.2.7"), HttpClient(REMOTE_ADDR="192.0.2.8")
    page = f"/directory/{world.listing.slug}/"
    with time_machine.travel(START, tick=False) as clock:
        codes = [visitor.get(page).status_code for _ in range(25)]
        assert codes == [200] * 25
        refused = visitor.get("/directory/?place=Bristol")
        assert refused.status_code == 429
        html = refused.content.decode()
        assert "Too many requests" in html and "wait about 10 minutes" in html
        assert int(refused["Retry-After"]) == 595
        assert refused["Cache-Control"].startswith("no-store")
        assert other.get(page).status_code == 200  # another address is not held back
        clock.move_to(START + dt.timedelta(minutes=9, seconds=50))
        assert visitor.get(page).status_code == 429
        clock.move_to(START + dt.timedelta(minutes=10))
        assert visitor.get(page).status_code == 200


def test_the_count_is_shared_and_read_in_batches(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "PAGES_PER_IP", Limit("t-shared", 25, 600))
    visitor = HttpClient(REMOTE_ADDR="192.0.2.9")
    page = f"/directory/{world.listing.slug}/"
    with time_machine.travel(START, tick=False):
        for _ in range(21):  # the 1st, 11th and 21st read and add to the shared count
            assert visitor.get(page).status_code == 200
        with CaptureQueriesContext(connection) as counted:
            limits.hit(limits.PAGES_PER_IP, "192.0.2.9")  # the 22nd: in a batch, no query
        assert counted.captured_queries == []
        # Another process (its own batch) starts from the 21 this one added to the shared
        # cache (the 22nd was still in this one's batch): four more, then refused.
        limits.reset()
        assert [visitor.get(page).status_code for _ in range(6)] == [200] * 4 + [429] * 2


def test_the_feed_answers_429_with_an_operation_outcome(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "FEED_PER_IP", Limit("t-feed", 3, 600))
    feed.refresh()
    reader = HttpClient(REMOTE_ADDR="198.51.100.4")
    with time_machine.travel(START, tick=False):
        assert reader.get("/directory/slots/$bulk-publish").status_code == 200
        assert reader.get("/directory/slots/locations.ndjson").status_code == 200
        assert reader.get("/directory/slots/slots.ndjson").status_code == 200
        refused = reader.get("/directory/slots/schedules.ndjson")
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        outcome = refused.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["code"] == "throttled"
        assert "Too many requests" in outcome["issue"][0]["diagnostics"]
