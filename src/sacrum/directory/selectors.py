"""Reads of the public directory: a practitioner's page and the search. Never client data.

Everything starts from ``visibility``: an unlisted practitioner, a hidden service or a
clinic with the directory off is simply not in the rows read here.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import CharField, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse

from sacrum.clients.models import Condition
from sacrum.clinics.models import (
    Clinic,
    Credential,
    Location,
    PractitionerProfile,
    Profession,
    VerificationState,
)
from sacrum.clinics.prices import price_writer
from sacrum.directory.db import JoinUnits, split_units
from sacrum.directory.models import Listing
from sacrum.directory.places import Place, bounding_box, distance_km, find_place
from sacrum.directory.visibility import listed_member_filter, listed_profile_filter, offers_of
from sacrum.scheduling import slots
from sacrum.scheduling.db import IdText
from sacrum.scheduling.local_time import DASH, local, zone
from sacrum.scheduling.models import SchedulingPolicy, WeeklyHours

PAGE_SIZE = 20
HORIZON_DAYS = 28  # how far ahead "next free time" looks
WEEK_DAYS = 7
RADII = (5, 10, 25, 50, 100)
DEFAULT_RADIUS = 25
MAX_FREE_CANDIDATES = 200  # "free this week" computes the nearest this many together


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def profile_url(slug: str) -> str:
    return reverse("web:directory_practitioner", args=[slug])


def booking_url(
    clinic_slug: str, service_id: Any, location_id: Any, member_id: Any, start: dt.datetime
) -> str:
    """Online booking's details step with this service, place, person and time chosen."""
    query = urlencode(
        {
            "service": str(service_id),
            "location": str(location_id),
            "practitioner": str(member_id),
            "start": int(start.timestamp()),
        }
    )
    return f"{reverse('web:online_booking_details', args=[clinic_slug])}?{query}"


def credential_is_verified(credential: Credential, today: dt.date) -> bool:
    """Verified by the clinic, and not expired: the only case the word "verified" is shown."""
    return credential.verification_state == VerificationState.VERIFIED and (
        credential.expires_on is None or credential.expires_on >= today
    )


def verified_filter(today: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}verification_state": VerificationState.VERIFIED}) & (
        Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gte": today})
    )


def condition_label(key: str) -> str:
    return str(dict(Condition.choices).get(key, key))


def profession_label(key: str) -> str:
    return str(dict(Profession.choices).get(key, key))


def _policy(clinic: Clinic) -> SchedulingPolicy:
    try:
        return clinic.scheduling_policy
    except SchedulingPolicy.DoesNotExist:
        return SchedulingPolicy(clinic_id=clinic.pk)


# --- a practitioner's page --------------------------------------------------------------


@dataclass
class ServiceView:
    id: uuid.UUID
    name: str
    description: str
    duration_minutes: int
    price: Any
    new_clients_only: bool
    price_text: str = ""
    next_free: dt.datetime | None = None
    next_free_place: str = ""
    book_url: str = ""


@dataclass
class CredentialView:
    issuing_body: str
    title: str
    level: str
    issued_on: dt.date
    expires_on: dt.date | None
    verified: bool
    expired: bool


@dataclass
class PlaceView:
    location: Location
    hours: list[tuple[str, list[str]]]


@dataclass
class PractitionerPage:
    profile: PractitionerProfile
    listing: Listing
    clinic: Clinic
    places: list[PlaceView]
    conditions: list[str]
    languages: list[str]
    services: list[ServiceView]
    credentials: list[CredentialView]
    online_booking: bool
    url: str

    @property
    def profession(self) -> str:
        return profession_label(self.profile.profession)


DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _hours_text(rows: list[WeeklyHours]) -> list[tuple[str, list[str]]]:
    by_day: dict[int, list[str]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.weekday, r.start_time)):
        by_day[row.weekday].append(f"{row.start_time:%H:%M}{DASH}{row.end_time:%H:%M}")
    return [(DAYS[day], spans) for day, spans in sorted(by_day.items())]


def practitioner_page(slug: str, now: dt.datetime) -> PractitionerPage | None:
    """Everything a practitioner's public page shows, or ``None`` when they are not listed."""
    listing = (
        Listing.objects.filter(slug=slug)
        .filter(listed_profile_filter("profile"))
        .select_related(
            "profile__membership__clinic__scheduling_policy", "profile__membership__user"
        )
        .first()
    )
    if listing is None:
        return None
    profile = listing.profile
    member = profile.membership
    clinic = member.clinic
    policy = _policy(clinic)
    tz = zone(clinic.time_zone)
    today = local(now, tz).date()
    credentials = [
        CredentialView(
            issuing_body=c.issuing_body,
            title=c.title,
            level=c.level,
            issued_on=c.issued_on,
            expires_on=c.expires_on,
            verified=credential_is_verified(c, today),
            expired=c.expires_on is not None and c.expires_on < today,
        )
        for c in Credential.objects.filter(profile=profile).exclude(
            verification_state=VerificationState.REJECTED
        )
    ]
    hours = list(
        WeeklyHours.objects.filter(practitioner=member, location__active=True).select_related(
            "location"
        )
    )
    by_location: dict[uuid.UUID, list[WeeklyHours]] = defaultdict(list)
    locations: dict[uuid.UUID, Location] = {}
    for row in hours:
        by_location[row.location_id].append(row)
        locations[row.location_id] = row.location
    places = [
        PlaceView(location=loc, hours=_hours_text(by_location[loc.pk]))
        for loc in sorted(locations.values(), key=lambda loc: loc.name)
    ]
    offers = list(offers_of([member.pk]))
    write_price = price_writer(clinic)
    services = [
        ServiceView(
            id=service_id,
            name=name,
            description=description,
            duration_minutes=duration,
            price=price,
            new_clients_only=new_only,
            price_text=write_price(price) if price is not None else "",
        )
        for _m, service_id, _c, name, description, duration, _b, _a, _r, price, new_only in offers
    ]
    if policy.online_booking_enabled and services and hours:
        found = slots.next_free(
            slots.ManyQuery(
                now=now,
                days=HORIZON_DAYS,
                hours=[
                    slots.Hours(member.pk, h.location_id, h.weekday, h.start_time, h.end_time)
                    for h in hours
                ],
                offers=[
                    slots.Offer(m, s, c, d, b, a, r)
                    for m, s, c, _n, _t, d, b, a, r, _p, _x in offers
                ],
                location_zones={pk: loc.time_zone for pk, loc in locations.items()},
                location_clinics={pk: clinic.pk for pk in locations},
                policies={clinic.pk: policy},
            )
        )
        for service in services:
            free = found.get((member.pk, service.id))
            if free is not None:
                where = locations[free.location_id]
                service.next_free = local(free.start, zone(where.time_zone))
                service.next_free_place = where.name
                service.book_url = booking_url(
                    clinic.slug, service.id, free.location_id, member.pk, free.start
                )
    return PractitionerPage(
        profile=profile,
        listing=listing,
        clinic=clinic,
        places=places,
        conditions=[condition_label(c) for c in listing.conditions or [] if c != "other"],
        languages=[str(x) for x in profile.languages or []],
        services=services,
        credentials=credentials,
        online_booking=policy.online_booking_enabled,
        url=profile_url(listing.slug),
    )


# --- search -----------------------------------------------------------------------------


@dataclass
class SearchQuery:
    place: str = ""
    radius_km: int = DEFAULT_RADIUS
    condition: str = ""
    profession: str = ""
    language: str = ""
    free_this_week: bool = False
    page: int = 1


@dataclass
class Card:
    profile_id: uuid.UUID
    member_id: uuid.UUID
    name: str = ""
    slug: str = ""
    has_photo: bool = False
    profession: str = ""
    clinic_name: str = ""
    place_name: str = ""
    town: str = ""
    distance_km: float | None = None
    credentials: list[str] = field(default_factory=list)
    next_free: dt.datetime | None = None
    next_free_service: str = ""
    book_url: str = ""

    @property
    def url(self) -> str:
        return profile_url(self.slug)


@dataclass
class SearchResult:
    query: SearchQuery
    place: Place | None
    place_unknown: bool
    cards: list[Card]
    total: int
    pages: int
    more: bool = False  # "free this week": at least ``total``, and another page follows


@dataclass
class _Candidate:
    member_id: uuid.UUID
    profile_id: uuid.UUID
    clinic_id: uuid.UUID
    name: str = ""
    distance: float | None = None
    location_id: uuid.UUID | None = None
    town: str = ""
    place_name: str = ""
    hours_text: list[tuple[uuid.UUID, str]] = field(default_factory=list)  # per place

    def hours(self) -> list[slots.Hours]:
        """The weekly hours, parsed only for the practitioners whose free time is asked."""
        out = []
        for location_id, text in self.hours_text:
            for unit in split_units(text):
                weekday, start, end = unit.split(",")
                out.append(
                    slots.Hours(self.member_id, location_id, int(weekday), _time(start), _time(end))
                )
        return out


@functools.cache
def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _policy_row(clinic_id: uuid.UUID, row: tuple[Any, ...]) -> SchedulingPolicy:
    notice, step, ahead, online = row
    policy = SchedulingPolicy(clinic_id=clinic_id)
    if notice is not None:
        policy.minimum_notice_minutes, policy.slot_step_minutes = notice, step
        policy.online_days_ahead, policy.online_booking_enabled = ahead, online
    return policy


def _candidates(
    query: SearchQuery, place: Place | None
) -> tuple[
    list[_Candidate],
    dict[uuid.UUID, str],
    dict[uuid.UUID, SchedulingPolicy],
    dict[uuid.UUID, uuid.UUID],
]:
    """One query: each listed practitioner who matches, per place they work, with its hours.

    One row per (practitioner, location), the weekly hours joined into one text, ids as
    text: a few hundred light rows instead of thousands of converted ones.
    """
    rows = WeeklyHours.objects.filter(
        listed_member_filter("practitioner"), location__active=True
    ).annotate(
        # The listing's condition keys as JSON text ('["back_pain", "neck_pain"]'), tested
        # here in Python: as a LIKE in the query, PostgreSQL guessed it matched one row
        # and started the plan from every listing (30 ms instead of 10).
        conditions=Cast("practitioner__practitioner_profile__listing__conditions", TextField())
    )
    if place is not None:
        south, north, west, east = bounding_box(place, query.radius_km)
        # On the joined location itself (not ``IN (subquery)``): PostgreSQL then starts
        # from the few locations in the box (an index range) and joins outwards.
        rows = rows.filter(
            location__latitude__gte=south,
            location__latitude__lte=north,
            location__longitude__gte=west,
            location__longitude__lte=east,
        )
    if query.profession:
        rows = rows.filter(practitioner__practitioner_profile__profession=query.profession)
    policy = "practitioner__clinic__scheduling_policy__"
    values = (
        rows.order_by()
        .values(
            "practitioner_id",
            "location_id",
            "practitioner__practitioner_profile__id",
            "practitioner__clinic_id",
            "location__latitude",
            "location__longitude",
            "location__time_zone",
            "location__city",
            "location__name",
            "practitioner__practitioner_profile__languages",
            "practitioner__practitioner_profile__display_name",
            f"{policy}minimum_notice_minutes",
            f"{policy}slot_step_minutes",
            f"{policy}online_days_ahead",
            f"{policy}online_booking_enabled",
            "conditions",
        )
        .annotate(
            hours=JoinUnits(
                Concat(
                    Cast("weekday", CharField()),
                    Value(","),
                    Cast("start_time", CharField()),
                    Value(","),
                    Cast("end_time", CharField()),
                    output_field=CharField(),
                )
            )
        )
        .values_list(
            IdText("practitioner_id"),
            IdText("location_id"),
            IdText("practitioner__practitioner_profile__id"),
            IdText("practitioner__clinic_id"),
            "location__latitude",
            "location__longitude",
            "location__time_zone",
            "location__city",
            "location__name",
            "practitioner__practitioner_profile__languages",
            "practitioner__practitioner_profile__display_name",
            f"{policy}minimum_notice_minutes",
            f"{policy}slot_step_minutes",
            f"{policy}online_days_ahead",
            f"{policy}online_booking_enabled",
            "conditions",
            "hours",
        )
    )
    language = query.language.casefold()
    wanted = f'"{query.condition}"' if query.condition else ""
    ids: dict[str, uuid.UUID] = {}

    def as_id(text: str) -> uuid.UUID:
        found = ids.get(text)
        if found is None:
            found = ids[text] = uuid.UUID(text)
        return found

    found: dict[uuid.UUID, _Candidate] = {}
    zones: dict[uuid.UUID, str] = {}
    policies: dict[uuid.UUID, SchedulingPolicy] = {}
    location_clinics: dict[uuid.UUID, uuid.UUID] = {}
    for (
        member_text, location_text, profile_text, clinic_text, lat, lon, tz, city,
        location_name, languages, name, notice, step, ahead, online, conditions, hours,
    ) in values:  # fmt: skip
        if language and language not in {str(x).casefold() for x in languages or []}:
            continue
        if wanted and wanted not in (conditions or ""):
            continue
        distance = None
        if place is not None:
            if lat is None or lon is None:
                continue
            distance = distance_km(place.latitude, place.longitude, float(lat), float(lon))
            if distance > query.radius_km:
                continue
        member_id, location_id = as_id(member_text), as_id(location_text)
        clinic_id = as_id(clinic_text)
        candidate = found.get(member_id)
        if candidate is None:
            candidate = found[member_id] = _Candidate(
                member_id, as_id(profile_text), clinic_id, name
            )
        if candidate.location_id is None or (
            distance is not None
            and candidate.distance is not None
            and distance < candidate.distance
        ):
            candidate.distance, candidate.location_id = distance, location_id
            candidate.town, candidate.place_name = city, location_name
        candidate.hours_text.append((location_id, hours))
        zones[location_id] = tz
        location_clinics[location_id] = clinic_id
        if clinic_id not in policies:
            policies[clinic_id] = _policy_row(clinic_id, (notice, step, ahead, online))
    return list(found.values()), zones, policies, location_clinics


def _next_free(
    candidates: list[_Candidate],
    zones: dict[uuid.UUID, str],
    policies: dict[uuid.UUID, SchedulingPolicy],
    location_clinics: dict[uuid.UUID, uuid.UUID],
    now: dt.datetime,
    days: int,
) -> tuple[dict[uuid.UUID, tuple[slots.NextFree, uuid.UUID]], dict[uuid.UUID, str]]:
    """Per practitioner: the earliest free time over their services (three queries)."""
    booking = [c for c in candidates if policies[c.clinic_id].online_booking_enabled]
    if not booking:
        return {}, {}
    offers = list(offers_of([c.member_id for c in booking]))
    names = {service_id: name for _m, service_id, _c, name, *_rest in offers}
    found = slots.next_free(
        slots.ManyQuery(
            now=now,
            days=days,
            hours=[h for c in booking for h in c.hours()],
            offers=[
                slots.Offer(m, s, c, d, b, a, r) for m, s, c, _n, _t, d, b, a, r, _p, _x in offers
            ],
            location_zones=zones,
            location_clinics=location_clinics,
            policies=policies,
        )
    )
    best: dict[uuid.UUID, tuple[slots.NextFree, uuid.UUID]] = {}
    for (member_id, service_id), free in found.items():
        if member_id not in best or free.start < best[member_id][0].start:
            best[member_id] = (free, service_id)
    return best, names


def _page_profiles(ids: list[uuid.UUID], today: dt.date) -> dict[uuid.UUID, PractitionerProfile]:
    """One query: the page's profiles, their clinic and listing, their verified credentials."""
    verified = (
        Credential.objects.filter(verified_filter(today), profile=OuterRef("pk"))
        .order_by()
        .values("profile")
        .annotate(t=JoinUnits(Concat("title", Value(" — "), "issuing_body")))
        .values("t")
    )
    return {
        p.pk: p
        for p in PractitionerProfile.objects.filter(pk__in=ids)
        .select_related("membership__clinic", "listing")
        .annotate(verified_titles=Subquery(verified))
    }


def _free_this_week(
    candidates: list[_Candidate],
    page: int,
    zones: dict[uuid.UUID, str],
    policies: dict[uuid.UUID, SchedulingPolicy],
    location_clinics: dict[uuid.UUID, uuid.UUID],
    now: dt.datetime,
) -> tuple[
    list[_Candidate], bool, dict[uuid.UUID, tuple[slots.NextFree, uuid.UUID]], dict[uuid.UUID, str]
]:
    """The nearest candidates free in the next week, enough for ``page`` and one more.

    Nearest first, in at most two rounds (three queries each): twice what the page needs,
    then, only if too few of them are free, the rest up to ``MAX_FREE_CANDIDATES``.
    Returns the free ones, whether more may follow, their next free times and services.
    """
    need = page * PAGE_SIZE + 1  # one more than the page: is there a next page?
    pool = candidates[:MAX_FREE_CANDIDATES]
    kept: list[_Candidate] = []
    free: dict[uuid.UUID, tuple[slots.NextFree, uuid.UUID]] = {}
    names: dict[uuid.UUID, str] = {}
    done = 0
    for size in (2 * need, len(pool)):
        batch = pool[done : max(done, size)]
        if not batch or len(kept) >= need:
            break
        found, found_names = _next_free(batch, zones, policies, location_clinics, now, WEEK_DAYS)
        free.update(found)
        names.update(found_names)
        kept.extend(c for c in batch if c.member_id in found)
        done += len(batch)
    return kept, len(kept) >= need and done < len(pool), free, names


def search(query: SearchQuery, now: dt.datetime) -> SearchResult:
    """A page of results: five queries (six for a place found among the listed locations).

    The place, the candidates, then for the page only: its profiles, offers, changes and
    appointments. "Free this week" asks the free time of the nearest candidates first.
    """
    place = find_place(query.place) if query.place else None
    if query.place and place is None:
        return SearchResult(query, None, True, [], 0, 0)
    candidates, zones, policies, location_clinics = _candidates(query, place)
    candidates.sort(key=lambda c: (c.distance or 0.0, c.name.casefold(), str(c.profile_id)))
    free: dict[uuid.UUID, tuple[slots.NextFree, uuid.UUID]] = {}
    names: dict[uuid.UUID, str] = {}
    more = False
    if query.free_this_week:
        query.page = max(query.page, 1)
        candidates, more, free, names = _free_this_week(
            candidates, query.page, zones, policies, location_clinics, now
        )
    total = len(candidates)
    pages = max(1, -(-total // PAGE_SIZE))
    page_number = min(max(query.page, 1), pages)
    query.page = page_number
    shown = candidates[(page_number - 1) * PAGE_SIZE : page_number * PAGE_SIZE]
    if not shown:
        return SearchResult(query, place, False, [], total, pages)
    profiles = _page_profiles([c.profile_id for c in shown], now.date())
    if not query.free_this_week:
        free, names = _next_free(shown, zones, policies, location_clinics, now, HORIZON_DAYS)
    cards = []
    for c in shown:
        profile = profiles[c.profile_id]
        clinic = profile.membership.clinic
        card = Card(
            profile_id=c.profile_id,
            member_id=c.member_id,
            name=profile.display_name,
            slug=profile.listing.slug,
            has_photo=bool(profile.listing.photo),
            profession=profession_label(profile.profession),
            clinic_name=clinic.name,
            place_name=c.place_name,
            town=c.town,
            distance_km=c.distance,
            credentials=split_units(getattr(profile, "verified_titles", "")),
        )
        if c.member_id in free:
            at, service_id = free[c.member_id]
            card.next_free = local(at.start, zone(zones[at.location_id]))
            card.next_free_service = names.get(service_id, "")
            card.book_url = booking_url(
                clinic.slug, service_id, at.location_id, c.member_id, at.start
            )
        cards.append(card)
    return SearchResult(query, place, False, cards, total, pages, more)
