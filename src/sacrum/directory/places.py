"""A place typed by a person ("Bath", "BS1 5DB") → coordinates, without any outside service.

Two sources, both on this server: the towns and postcodes of the locations listed in the
directory (their owners entered the coordinates), and a small list of towns shipped with
Sacrum (``data/places.csv``). Distances are great-circle distances in kilometres.
"""

from __future__ import annotations

import csv
import math
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db.models import Avg, Q

from sacrum.clinics.models import Location

EARTH_KM = 6371.0088
PLACES_FILE = Path(__file__).parent / "data" / "places.csv"
MAX_TEXT = 80


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float


def normal(text: str) -> str:
    """Case, accents, commas and extra spaces do not matter: 'Zürich, CH' → 'zurich'."""
    text = text.split(",")[0][:MAX_TEXT]
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c) and c.isprintable())
    return " ".join(text.casefold().split())


@cache
def shipped() -> dict[str, Place]:
    with PLACES_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        normal(row["name"]): Place(row["name"], float(row["latitude"]), float(row["longitude"]))
        for row in rows
    }


def find_place(text: str) -> Place | None:
    """The coordinates of a town or postcode; at most one query (none for a shipped town)."""
    key = normal(text)
    if not key:
        return None
    found = shipped().get(key)
    if found is not None:
        return found
    outward = key.split(" ")[0]
    match = (
        Q(city__iexact=key)
        | Q(postal_code__iexact=key)
        | Q(postal_code__iexact=key.replace(" ", ""))
        | Q(postal_code__istartswith=f"{outward} ")
        | Q(postal_code__iexact=outward)
    )
    centre = Location.objects.filter(
        match, latitude__isnull=False, clinic__directory_enabled=True
    ).aggregate(lat=Avg("latitude"), lon=Avg("longitude"))
    if centre["lat"] is None or centre["lon"] is None:
        return None
    return Place(text.split(",")[0].strip()[:MAX_TEXT], float(centre["lat"]), float(centre["lon"]))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(place: Place, radius_km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east): a cheap index-friendly pre-filter for the radius."""
    dlat = radius_km / 111.0
    dlon = radius_km / (111.320 * max(math.cos(math.radians(place.latitude)), 0.01))
    return (
        place.latitude - dlat,
        place.latitude + dlat,
        place.longitude - dlon,
        place.longitude + dlon,
    )
