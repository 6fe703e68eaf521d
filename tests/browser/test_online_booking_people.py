"""On a phone (390x844): the online booking page introduces who the client can see. A
listed practitioner shows their directory photo, one without a public photo shows their
initials, each with a short bio and a way to read the rest; the service description is
there too (axe checks each page)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from playwright.sync_api import expect

from sacrum.clinics.models import PractitionerProfile, Profession
from sacrum.directory.models import Listing
from sacrum.scheduling.models import ServiceType
from tests.access.objects import keep_uploads_in
from tests.browser.conftest import Shots
from tests.conftest import Persona
from tests.scheduling.conftest import hours, location, rooms, service  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LONG_BIO = (
    "I trained first as an osteopath and have offered craniosacral sessions since 2012. "
    "Most of the people I see come with headaches, a stiff neck or poor sleep, and many "
    "simply want a quiet hour. I explain what I do as I go, and you can stop at any time. "
    "Sessions are clothed, on a padded table, in a warm room."
)


def _jpeg() -> ContentFile[bytes]:
    out = io.BytesIO()
    Image.new("RGB", (96, 96), (31, 95, 91)).save(out, "JPEG")
    return ContentFile(out.getvalue(), name="photo.jpg")


def test_the_booking_page_shows_each_practitioner_photo_and_bio(
    page: Any,
    shot: Shots,
    settings: Any,
    tmp_path: Path,
    owner: Persona,
    practitioner: Persona,
    service: ServiceType,  # noqa: F811  (the imported fixture)
    hours: None,  # noqa: F811
    rooms: Any,  # noqa: F811
) -> None:
    keep_uploads_in(settings, tmp_path / "uploads")
    clinic = owner.clinic
    clinic.directory_enabled = True
    clinic.save()
    service.description = "A follow-up session of 50 minutes, clothed, on a padded table."
    service.save()
    pat = PractitionerProfile.objects.create(
        membership=practitioner.member,
        display_name="Pat Practitioner",
        profession=Profession.OSTEOPATH,
        bio=LONG_BIO,
        listed_publicly=True,
    )
    listing = Listing.objects.get(profile=pat)
    listing.photo.save("photo.jpg", _jpeg())
    # Not listed in the directory: the photo stays private, the initials show instead.
    PractitionerProfile.objects.create(
        membership=owner.member,
        display_name="Olivia Owner",
        profession=Profession.MASSAGE_THERAPIST,
        bio="I listen first.",
        listed_publicly=False,
    )

    page.set_viewport_size(PHONE)
    page.goto(f"/book/{clinic.slug}/")
    expect(page.locator("h1")).to_have_text("Book an appointment")
    expect(page.locator(".option-help")).to_contain_text("clothed, on a padded table")
    people = page.locator("section.people")
    expect(people.get_by_role("heading", name="Who you can see")).to_be_visible()
    expect(people.locator("li.person")).to_have_count(2)

    olivia = people.locator("li.person", has_text="Olivia Owner")
    expect(olivia.locator("img")).to_have_count(0)
    expect(olivia.locator(".person-photo.initials")).to_have_text("OO")
    expect(olivia).to_contain_text("Massage therapist")
    expect(olivia).to_contain_text("I listen first.")

    pat_card = people.locator("li.person", has_text="Pat Practitioner")
    photo = pat_card.get_by_role("img", name="Photo of Pat Practitioner")
    expect(photo).to_be_visible()
    photo.scroll_into_view_if_needed()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    assert photo.get_attribute("src") == f"/directory/{listing.slug}/photo.jpg"
    short = pat_card.locator(".bio-short")
    expect(short).to_contain_text("I trained first as an osteopath")
    expect(short).not_to_contain_text("warm room")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "people")

    pat_card.get_by_text("Read more").click()
    expect(pat_card.locator(".bio-more p")).to_contain_text("in a warm room.")
    expect(short).to_be_hidden()
    # Open, the summary offers to close it again: "Read less", and back.
    expect(pat_card.get_by_text("Read less")).to_be_visible()
    expect(pat_card.get_by_text("Read more")).to_be_hidden()
    shot(page, "bio-read-more")
    pat_card.get_by_text("Read less").click()
    expect(pat_card.get_by_text("Read more")).to_be_visible()
    expect(pat_card.get_by_text("Read less")).to_be_hidden()
    expect(short).to_be_visible()

    # Choosing Pat: the page says who the client will see.
    page.get_by_label("With").select_option(label="Pat Practitioner")
    expect(people.get_by_role("heading", name="Who you will see")).to_be_visible()
    expect(people.locator("li.person")).to_have_count(1)
    expect(people).to_contain_text("Pat Practitioner")
    shot(page, "chosen")


def test_read_less_needs_no_script(
    chromium: Any,
    live_server: Any,
    owner: Persona,
    practitioner: Persona,
    service: ServiceType,  # noqa: F811  (the imported fixture)
    hours: None,  # noqa: F811
    rooms: Any,  # noqa: F811
) -> None:
    """The "Read more" / "Read less" swap is the stylesheet's: it works with scripts off."""
    PractitionerProfile.objects.create(
        membership=practitioner.member, display_name="Pat Practitioner", bio=LONG_BIO
    )
    context = chromium.new_context(
        viewport=PHONE, base_url=live_server.url, java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(f"/book/{owner.clinic.slug}/")
        card = page.locator("li.person", has_text="Pat Practitioner")
        expect(card.get_by_text("Read less")).to_be_hidden()
        card.get_by_text("Read more").click()
        expect(card.get_by_text("Read less")).to_be_visible()
        expect(card.locator(".bio-more p")).to_contain_text("in a warm room.")
    finally:
        context.close()
