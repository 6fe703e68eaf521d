"""Search by place, condition, profession, language and "free this week", set-based."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sacrum.access.roles import Role
from sacrum.clinics.models import Location, PractitionerProfile, Profession
from sacrum.clinics.services import create_clinic
from sacrum.directory import selectors
from sacrum.directory.models import Listing
from sacrum.scheduling.models import ServiceType, TimeOff
from tests.conftest import add_member, make_user
from tests.directory.conftest import World
from tests.scheduling.conftest import give_hours


def names(html: str) -> list[str]:
    return re.findall(r'<h3 class="result-name"><a href="[^"]+">([^<]+)</a>', html)


def get(query: str) -> str:
    response = HttpClient().get(f"/directory/?{query}")
    assert response.status_code in (200, 400)
    return response.content.decode()


def bath_clinic(name: str = "Bath Cranial", listed: bool = True) -> PractitionerProfile:
    owner = make_user(f"owner@{name.lower().replace(' ', '')}.test", "Bea Bath")
    clinic = create_clinic(name=name, time_zone="Europe/London", owner=owner)
    clinic.directory_enabled = True
    clinic.save()
    member = add_member(clinic, f"sam@{clinic.slug}.test", Role.PRACTITIONER, "Sam Spa").member
    location = Location.objects.create(
        clinic=clinic,
        name="Walcot",
        city="Bath",
        postal_code="BA1 5BG",
        time_zone="Europe/London",
        latitude=Decimal("51.38370"),
        longitude=Decimal("-2.35710"),
    )
    service = ServiceType.objects.create(clinic=clinic, name="Session", needs_room=False)
    service.practitioners.set([member])
    give_hours(member, location, weekdays=range(7))
    profile = PractitionerProfile.objects.create(
        membership=member,
        display_name="Sam Spa",
        profession=Profession.CHIROPRACTOR,
        languages=["French"],
        listed_publicly=listed,
    )
    Listing.objects.filter(profile=profile).update(conditions=["back_pain", "neck_pain"])
    return profile


def test_by_town_sorted_by_distance_within_the_radius(world: World) -> None:
    bath_clinic()
    html = get("place=Bristol&radius=25")
    assert names(html) == ["Pat Practitioner", "Sam Spa"]
    distances = re.findall(r'class="distance">([\d.]+) km', html)
    assert float(distances[0]) < 1 and 15 < float(distances[1]) < 20
    assert names(get("place=Bristol&radius=5")) == ["Pat Practitioner"]
    assert names(get("place=Bath&radius=5")) == ["Sam Spa"]


def test_by_postcode_of_a_listed_location(world: World) -> None:
    assert names(get("place=BS1+5DB&radius=5")) == ["Pat Practitioner"]
    assert names(get("place=bs1&radius=5")) == ["Pat Practitioner"]


def test_an_unknown_place_says_so(world: World) -> None:
    html = get("place=Narnia")
    assert "We could not find “Narnia”" in html and not names(html)


def test_by_condition_profession_and_language(world: World) -> None:
    bath_clinic()
    assert names(get("place=Bristol&radius=50&condition=migraine_headache")) == ["Pat Practitioner"]
    assert names(get("place=Bristol&radius=50&condition=back_pain")) == ["Sam Spa"]
    assert names(get("place=Bristol&radius=50&condition=neck_pain")) == [
        "Pat Practitioner",
        "Sam Spa",
    ]
    assert names(get("place=Bristol&radius=50&profession=chiropractor")) == ["Sam Spa"]
    assert names(get("place=Bristol&radius=50&language=german")) == ["Pat Practitioner"]
    assert names(get("condition=back_pain")) == ["Sam Spa"]


def test_results_show_verified_credentials_and_the_next_free_time(world: World) -> None:
    html = get("place=Bristol")
    assert "CranioSacral Therapy CST1 — Upledger Institute" in html
    assert "Unchecked Diploma" not in html and "Lapsed Registration" not in html
    assert "Next free:" in html
    assert re.search(r'class="button book" href="/book/stillwater-practice/details\?', html)


def test_free_this_week_leaves_out_who_is_away(world: World) -> None:
    sam = bath_clinic()
    now = timezone.now()
    TimeOff.objects.create(
        practitioner=sam.membership,
        start=now - dt.timedelta(days=1),
        end=now + dt.timedelta(days=10),
    )
    assert names(get("place=Bristol&radius=50")) == ["Pat Practitioner", "Sam Spa"]
    assert names(get("place=Bristol&radius=50&free=on")) == ["Pat Practitioner"]


def test_unlisted_hidden_and_switched_off_are_never_found(world: World) -> None:
    bath_clinic(name="Quiet Bath", listed=False)
    html = get("place=Bristol&radius=100")
    assert names(html) == ["Pat Practitioner"]
    assert "Olivia Owner" not in html and "Secret session" not in html
    world.clinic.directory_enabled = False
    world.clinic.save()
    assert names(get("place=Bristol&radius=100")) == []


def test_a_page_of_results_takes_at_most_six_queries(world: World) -> None:
    for i in range(25):
        bath_clinic(name=f"Bath {i}")
    now = timezone.now()
    for place in ("Bristol", "BA1"):
        with CaptureQueriesContext(connection) as queries:
            result = selectors.search(
                selectors.SearchQuery(place=place, radius_km=50, condition="neck_pain"), now
            )
        assert len(result.cards) == 20 and result.total == 26
        assert len(queries.captured_queries) <= 6
        assert all(card.next_free is not None for card in result.cards)


def test_hostile_values_get_a_message_not_an_error(world: World) -> None:
    for query in (
        "radius=7",
        "condition=cures",
        "page=-1",
        "page=99999999999999999999",
        "place=%00",
        "place=" + "x" * 5000,
        "place=%ED%A0%80",
        "language=%00",
        "free=maybe",
    ):
        response = HttpClient().get(f"/directory/?{query}")
        assert response.status_code in (200, 400), query


def test_free_this_week_asks_the_nearest_first_and_pages_on(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    for i in range(7):
        bath_clinic(name=f"Bath {i}")
    now = timezone.now()
    query = selectors.SearchQuery(place="Bristol", radius_km=50, free_this_week=True)
    with CaptureQueriesContext(connection) as queries:
        result = selectors.search(query, now)
    # Only the nearest 2 x (2 + 1) were asked (three queries): more than the page needs.
    assert len(queries.captured_queries) <= 6
    assert [c.name for c in result.cards][:1] == ["Pat Practitioner"]
    assert len(result.cards) == 2 and result.more and result.total == 6
    html = get("place=Bristol&radius=50&free=on")
    assert "6 or more practitioners free this week within 50 km of Bristol" in html
    assert "Page 1</span>" in html and "Next" in html
    last = selectors.search(
        selectors.SearchQuery(place="Bristol", radius_km=50, free_this_week=True, page=4), now
    )
    assert len(last.cards) == 2 and not last.more and last.total == 8
