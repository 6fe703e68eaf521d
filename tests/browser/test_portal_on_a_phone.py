"""On a phone (390x844): a client opens every page of their portal. The progress curve
fits the screen, its labels are legible, a caption says in plain words which way is
better and where they stand, the numbers are there as a table, and no page shows
Django's "---------" empty choice (axe checks each page)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.portal.models import PortalAccount
from tests.browser.conftest import Shots
from tests.conftest import PASSWORD
from tests.portal.conftest import Person, ada, ada_account, uploads  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PAGES = [
    ("Home", "/portal/"),
    ("Visits", "/portal/appointments"),
    ("Consent", "/portal/consents"),
    ("Health history", "/portal/health-history"),
    ("Letters", "/portal/letters"),
    ("Progress", "/portal/progress"),
    ("Diary", "/portal/diary"),
    ("Records", "/portal/record"),
    ("Invoices", "/portal/invoices"),
]


def _no_empty_choice_dashes(page: Any) -> None:
    """Django's default empty label, in the text or in any drop-down, is never shown."""
    assert "---------" not in page.locator("body").inner_text()
    options = page.locator("option").all_inner_texts()
    assert not [o for o in options if "---" in o], options


def test_every_portal_page_on_a_phone_and_the_progress_caption(
    page: Any,
    shot: Shots,
    ada: Person,  # noqa: F811  (the imported fixture)
    ada_account: PortalAccount,  # noqa: F811
) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    page.fill("#id_login", ada.client.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form[action^='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Hello Ada")

    for name, path in PAGES:
        page.goto(path)
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        _no_empty_choice_dashes(page)
        shot(page, name.lower().replace(" ", "-"))

    page.goto("/portal/progress")
    pain = page.locator("section.measure", has=page.get_by_role("heading", name="Pain, 0 to 10"))
    caption = pain.locator("p.reading")
    # Ada's pain answers: 7 at the start ... 3 most recently; 2 points is the MIC.
    expect(caption).to_contain_text("Lower scores mean less pain.")
    expect(caption).to_contain_text("was 3, down from 7 at the start.")
    expect(caption).to_contain_text("A change of 2 points or 30 % is about the smallest")
    expect(caption).not_to_contain_text("because")
    svg = pain.locator("svg.curve-svg")
    expect(svg).to_have_attribute("aria-describedby", caption.get_attribute("id") or "")
    box = svg.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    # Every label and point of the curve is drawn large enough to read on the phone.
    sizes = svg.locator("text").evaluate_all(
        """texts => texts.map(t => {
            const svg = t.ownerSVGElement;
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return parseFloat(getComputedStyle(t).fontSize) * scale;
        })"""
    )
    assert sizes and min(sizes) >= 11, sizes
    radius = svg.locator("circle.point").first.bounding_box()
    assert radius is not None and radius["width"] >= 8, radius
    pain.scroll_into_view_if_needed()
    shot(page, "pain-curve")

    # The same numbers as a table, for anyone (and any screen reader) who prefers text.
    pain.get_by_text("Your results as a table").click()
    rows = pain.locator("details.readings tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.last).to_contain_text("3")
    pain.locator("details.readings").scroll_into_view_if_needed()
    shot(page, "pain-table")
