"""A practitioner's public page: what it shows, what it never shows, and to whom."""

from __future__ import annotations

import json
import re
from typing import Any

from django.test import Client as HttpClient

from sacrum.scheduling.local_time import from_epoch, local, zone
from sacrum.scheduling.models import SchedulingPolicy
from sacrum.scheduling.services import online
from tests.conftest import Persona
from tests.directory.conftest import World


def page(slug: str) -> tuple[int, str]:
    response = HttpClient().get(f"/directory/{slug}/")
    return response.status_code, response.content.decode()


def test_the_page_shows_the_practitioner_and_never_a_client(world: World, a_client: Any) -> None:
    status, html = page("pat-practitioner")
    assert status == 200
    assert "<h1>Pat Practitioner</h1>" in html
    assert "Osteopath" in html and "English, German" in html and "I work gently." in html
    assert "14 Anchor Road" in html and "BS1 5DB Bristol" in html
    assert "<dt>Mon</dt><dd>09:00\u201317:00</dd>" in html
    assert "People come to Pat Practitioner for" in html
    assert "Migraine or headache" in html and "Neck pain" in html
    assert "treats" not in html.lower() and "cures" not in html.lower()
    assert "Craniosacral session" in html and "50 min" in html and "£65.00" in html
    assert a_client.last_name not in html and a_client.email not in html


def test_credentials_are_verified_only_when_checked_and_not_expired(world: World) -> None:
    _status, html = page("pat-practitioner")
    items = re.findall(
        r"<li>\s*<strong>(.*?)</strong>.*?<span class=\"badge \w+\">(.*?)</span>", html, re.S
    )
    labels = dict(items)
    assert labels["CranioSacral Therapy CST1"] == "Verified by the clinic"
    assert labels["Unchecked Diploma"] == "Not verified by the clinic"
    assert labels["Lapsed Registration"] == "Not verified by the clinic"
    assert "expired" in html


def test_the_next_free_time_is_the_first_one_online_booking_offers(
    world: World, clock: Any
) -> None:
    # Half a minute into the minute: a time offered now is still bookable a moment later
    # (at hh:mm:00 exactly the first time sits on the notice's edge, for both pages alike).
    clock.shift(30)
    _status, html = page("pat-practitioner")
    link = re.search(r'href="(/book/[^"]+start=(\d+))"', html)
    assert link is not None
    start = from_epoch(int(link.group(2)))
    policy = SchedulingPolicy.for_clinic(world.clinic.pk)
    choice = online.Choice(
        service=world.service, location=world.location, practitioner=world.practitioner.member
    )
    tz = zone(world.location.time_zone)
    first_day = local(online.earliest(policy), tz).date()
    slots = online.free_slots(choice, policy, first_day, 14)
    first = min(epoch for day in slots.values() for _at, epoch in day)
    assert int(start.timestamp()) == first
    # The link opens online booking's details step with everything chosen.
    response = HttpClient().get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert "Your details" in response.content.decode()


def test_canonical_link_and_json_ld(world: World) -> None:
    _status, html = page("pat-practitioner")
    assert (
        '<link rel="canonical" href="http://testserver/directory/pat-practitioner/">' in html
        or ('rel="canonical"' in html and "/directory/pat-practitioner/" in html)
    )
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    assert data["@type"] == "Person" and data["name"] == "Pat Practitioner"
    assert [c["name"] for c in data["hasCredential"]] == ["CranioSacral Therapy CST1"]
    assert data["worksFor"]["location"][0]["address"]["postalCode"] == "BS1 5DB"
    assert data["makesOffer"][0]["priceCurrency"] == "GBP"
    assert '<meta name="robots" content="index, follow">' in html


def test_a_bio_cannot_break_out_of_the_json_ld(world: World) -> None:
    world.profile.bio = "</script><script>alert(1)</script>"
    world.profile.save()
    _status, html = page("pat-practitioner")
    assert "<script>alert(1)" not in html


def test_unlisted_hidden_and_switched_off_appear_on_no_page(world: World) -> None:
    _status, html = page("pat-practitioner")
    assert "Secret session" not in html
    assert page("olivia-owner")[0] == 404  # not listed
    world.clinic.directory_enabled = False
    world.clinic.save()
    assert page("pat-practitioner")[0] == 404
    world.clinic.directory_enabled = True
    world.clinic.save()
    world.practitioner.member.active = False
    world.practitioner.member.save()
    assert page("pat-practitioner")[0] == 404


def test_pages_are_not_kept_by_caches(world: World) -> None:
    for url in ("/directory/pat-practitioner/", "/directory/?place=Bristol", "/sitemap.xml"):
        assert "no-store" in HttpClient().get(url)["Cache-Control"]


def test_sitemap_and_robots(world: World, outsider: Persona) -> None:
    sitemap = HttpClient().get("/sitemap.xml").content.decode()
    assert "/directory/pat-practitioner/" in sitemap
    assert "olivia-owner" not in sitemap
    robots = HttpClient().get("/robots.txt").content.decode()
    assert "Allow: /directory/" in robots and "Disallow: /\n" in robots
    assert "Disallow: /book/confirm/" in robots and "Sitemap: " in robots
    world.clinic.directory_enabled = False
    world.clinic.save()
    assert "pat-practitioner" not in HttpClient().get("/sitemap.xml").content.decode()


def test_the_photo_is_resized_and_only_served_while_listed(world: World, browser_as: Any) -> None:
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (2000, 1500), "teal").save(picture, "PNG")
    picture.name = "me.png"
    picture.seek(0)
    http = browser_as(world.practitioner)
    response = http.post(
        f"/practitioners/{world.profile.pk}/public",
        {"conditions": ["sleep"], "photo": picture},
    )
    assert response.status_code == 302
    served = HttpClient().get("/directory/pat-practitioner/photo.jpg")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))  # type: ignore[attr-defined]
    assert max(image.size) == 480
    _status, html = page("pat-practitioner")
    assert "Poor sleep" in html and "photo.jpg" in html
    world.profile.listed_publicly = False
    world.profile.save()
    assert HttpClient().get("/directory/pat-practitioner/photo.jpg").status_code == 404


def test_a_file_that_is_not_a_picture_is_refused_by_the_field(
    world: World, browser_as: Any
) -> None:
    import io

    fake = io.BytesIO(b"%PDF-1.4 not a picture")
    fake.name = "me.png"
    response = browser_as(world.practitioner).post(
        f"/practitioners/{world.profile.pk}/public", {"conditions": [], "photo": fake}
    )
    assert response.status_code == 200
    assert "This file is not a JPEG, PNG or WebP picture." in response.content.decode()
