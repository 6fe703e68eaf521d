"""A town typed by a person is found offline: the gazetteer, then the listed locations."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sacrum.clinics.models import Location
from sacrum.directory.places import distance_km, find_place
from tests.directory.conftest import World


def near(text: str, lat: float, lon: float, km: float = 10) -> bool:
    place = find_place(text)
    assert place is not None, text
    return distance_km(place.latitude, place.longitude, lat, lon) < km


def test_small_towns_and_other_spellings_are_found_without_a_query(db: None) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert near("Totnes", 50.43, -3.69)  # about 8 000 people
        assert near("  zürich ", 47.37, 8.54)
        assert near("München", 48.14, 11.58) and near("Munich", 48.14, 11.58)
    assert queries.captured_queries == []  # each of these names is in one country only
    assert near("Cologne", 50.94, 6.96)  # Köln, not the Italian town of 7 000


def test_a_name_in_several_countries(world: World) -> None:
    # A country after a comma decides; else where this server lists locations (GB here).
    assert near("Cambridge, US", 42.38, -71.11) and near("Cambridge, United States", 42.38, -71.11)
    assert near("Richmond", 51.46, -0.30)  # not Richmond, British Columbia (larger)
    assert near("Richmond, CA", 49.17, -123.14)


def test_postcodes_and_unknown_towns_come_from_the_listed_locations(world: World) -> None:
    assert near("BS1 5DB", 51.45, -2.60, km=1) and near("bs1", 51.45, -2.60, km=1)
    Location.objects.create(
        clinic=world.clinic,
        name="Up the hill",
        city="Nowheresville",
        country="GB",
        time_zone="Europe/London",
        latitude=Decimal("52.00000"),
        longitude=Decimal("-1.00000"),
    )
    assert near("nowheresville", 52.0, -1.0, km=1)
    assert find_place("Narnia") is None and find_place("%00") is None and find_place("") is None
