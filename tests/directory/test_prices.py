"""Prices where a service is offered for booking: in the clinic's currency, written the
clinic's way (billing's locale), with the service's description; in a real browser too
(the practitioner's page, the online booking page, the staff booking form)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

import pytest
from django.test import Client as HttpClient
from playwright.sync_api import expect

from sacrum.billing import services
from sacrum.clinics.prices import format_price, locale_of
from tests.browser.conftest import Shots
from tests.conftest import PASSWORD, Persona
from tests.outcomes.test_browser import in_browser

DESCRIPTION = "Gentle, hands-on work; you stay clothed."


@pytest.fixture
def in_euros(world: Any, owner: Persona) -> Any:
    world.clinic.currency = "EUR"
    world.clinic.save()
    services.update_settings(actor=owner.actor, data={"locale": "de_DE"})
    world.service.description = DESCRIPTION
    world.service.price = Decimal("1234.5")
    world.service.save()
    return world


def test_the_helper_writes_each_locale_its_way(db: Any) -> None:
    assert format_price(Decimal("75"), "GBP") == "£75.00"
    assert format_price(Decimal("1234.5"), "EUR", "de_DE") == "1.234,50\xa0€"
    assert format_price(Decimal("8000"), "JPY", "en_GB") == "JP¥8,000"
    assert locale_of("00000000-0000-0000-0000-000000000000") == "en_GB"


@pytest.mark.django_db
def test_the_pages_show_the_price_in_the_clinics_currency(
    in_euros: Any, owner: Persona, browser_as: Any
) -> None:
    euros = "1.234,50\xa0€"
    public = HttpClient().get(f"/directory/{in_euros.listing.slug}/").content.decode()
    assert euros in public and DESCRIPTION in public and "1234.5" not in public.split("<body")[1]
    booking = HttpClient().get(f"/book/{in_euros.clinic.slug}/").content.decode()
    assert euros in booking and DESCRIPTION in booking
    staff = browser_as(owner).get("/calendar/book").content.decode()
    assert f"Craniosacral session · 50 min · {euros} — {DESCRIPTION}" in staff


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_prices_in_a_browser(live_server: Any, in_euros: Any, owner: Persona) -> None:
    # Chromium on a thread of its own (as the other folders' browser tests): a second
    # session-wide Playwright in this thread would clash with tests/browser's.
    shot = Shots(Path(os.environ.get("SACRUM_SCREENSHOT_DIR") or mkdtemp()), "prices")
    listing, clinic, email = in_euros.listing.slug, in_euros.clinic.slug, owner.user.email

    def script(page: Any) -> None:
        base = live_server.url
        page.goto(f"{base}/directory/{listing}/")
        expect(page.locator(".service .price").first).to_have_text("1.234,50\xa0€")
        shot(page, "directory")
        page.goto(f"{base}/book/{clinic}/")
        expect(page.locator("main")).to_contain_text("1.234,50\xa0€")
        expect(page.locator("main")).to_contain_text(DESCRIPTION)
        shot(page, "online-booking")
        page.goto(f"{base}/accounts/login/?next=/calendar/book")
        page.fill("#id_login", email)
        page.fill("#id_password", PASSWORD)
        page.locator("form[action^='/accounts/login/'] button[type=submit]").click()
        option = page.locator("#id_service option").nth(1)
        expect(option).to_contain_text("1.234,50\xa0€")
        page.select_option("#id_service", index=1)
        shot(page, "staff-booking")

    in_browser(live_server.url, script)
