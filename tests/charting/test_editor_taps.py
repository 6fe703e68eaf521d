"""The note editor's tap targets on a tablet: the respiratory diaphragm taps in its middle
(and the lumbar spine still does), the severity buttons stay inside their card at 768 px,
an out-of-range rhythm rate is shown where the eye is, and the carry-forward choice sits in
the editor and is remembered for the practitioner's next note."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.charting import selectors
from sacrum.charting.models import ChartingPreference, SessionNote
from tests.access.objects import Stillwater
from tests.browser.conftest import Shots
from tests.charting.objects import after_the_session, make_chartable, signed
from tests.charting.test_browser import PORTRAIT, in_browser, shot, sign_in
from tests.charting.test_keyboard import FOCUS_SEEN

__all__ = ["shot"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The centre of a shape's box, in the page's pixels (through the SVG's own transform).
CENTRE = """el => {
  const box = el.getBBox();
  const m = el.getScreenCTM();
  const p = new DOMPoint(box.x + box.width / 2, box.y + box.height / 2).matrixTransform(m);
  return [p.x, p.y];
}"""
STICKING_OUT = """() => [...document.querySelectorAll(".region-row:not([hidden]) .sev")].filter(
  (sev) => sev.getBoundingClientRect().right > sev.closest(".region-row").getBoundingClientRect().right + 0.5
).map((sev) => sev.closest(".region-row").id + " " + sev.textContent.trim())"""


def test_diaphragm_severity_and_rate_error_on_a_tablet(
    live_server: Any, clock: Any, shot: Shots, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    w = Stillwater(owner, practitioner, front_desk)
    appointment: Any = w.object("appointment_id")
    make_chartable(practitioner, appointment.client)
    station = selectors.stations_for(practitioner.actor)[1]
    found: dict[str, Any] = {}

    after_the_session(clock, appointment)

    def script(page: Any) -> None:
        sign_in(page, practitioner.user.email, f"/appointments/{appointment.pk}/chart")
        page.get_by_role("button", name="Start the note").click()
        page.locator("#bodymap").scroll_into_view_if_needed()

        # A click at the centre of the respiratory diaphragm marks the diaphragm.
        band = page.locator("a#bm-respiratory_diaphragm path.base")
        band.evaluate("el => el.scrollIntoView({block: 'center'})")
        x, y = band.evaluate(CENTRE)
        found["at the centre"] = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('a, nav, div, figure').id", [x, y]
        )
        page.mouse.click(x, y)
        assert found["at the centre"] == "bm-respiratory_diaphragm", found
        expect(page.locator("a#bm-respiratory_diaphragm")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("a#bm-lumbar")).to_have_attribute("aria-pressed", "false")
        # The lumbar spine taps at its own centre.
        lumbar = page.locator("a#bm-lumbar path.base")
        lumbar.evaluate("el => el.scrollIntoView({block: 'center'})")
        x, y = lumbar.evaluate(CENTRE)
        page.mouse.click(x, y)
        expect(page.locator("a#bm-lumbar")).to_have_attribute("aria-pressed", "true")
        page.locator("a#bm-temporal-left").click()
        shot(page, "diaphragm-and-lumbar")

        # At 768 px every severity button stays inside its card.
        page.set_viewport_size(PORTRAIT)
        page.locator("#bm-row-respiratory_diaphragm").scroll_into_view_if_needed()
        found["sticking out"] = page.evaluate(STICKING_OUT)
        found["tap heights"] = page.locator(".region-row:not([hidden]) .sev").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().height)"
        )
        page.locator("#bm-row-lumbar .severity").get_by_text("3", exact=True).click()
        page.evaluate("window.scrollBy(0, 120)")
        shot(page, "severity-portrait")

        # Out of range: the browser's own check, then the server's (no browser check).
        rate = page.get_by_label(f"Rate at {station.name} (cycles per minute)")
        rate.fill("75")
        page.evaluate("window.scrollTo(0, 0)")
        page.get_by_role("button", name="Save draft").click()
        expect(rate).to_be_focused()
        found["browser check"] = page.evaluate(FOCUS_SEEN)
        shot(page, "rate-browser-check")
        page.evaluate("document.getElementById('note-form').noValidate = true")
        page.get_by_role("button", name="Save draft").click()
        expect(page.locator(".messages, [role=status]").first).to_contain_text("Nothing was saved")
        rate = page.get_by_label(f"Rate at {station.name} (cycles per minute)")
        expect(rate).to_be_focused()
        found["server check"] = page.evaluate(FOCUS_SEEN.replace(":focus-visible", ":focus"))
        found["error text"] = page.locator(".station-finding .error").first.inner_text()
        shot(page, "rate-server-error")

    in_browser(live_server.url, script, expected_console=("status of 422",))
    assert found["sticking out"] == [], found["sticking out"]
    assert min(found["tap heights"]) >= 44, found["tap heights"]
    assert found["browser check"] == "", found["browser check"]
    assert found["server check"] == "", found["server check"]
    assert "60" in found["error text"]
    # The failed save wrote nothing: the marks were only autosaved, never the bad rate.
    note = SessionNote.objects.get(appointment=appointment)
    assert not note.rhythm_findings.exists()


def test_carry_forward_inside_the_editor_is_remembered(
    live_server: Any, clock: Any, shot: Shots, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    w = Stillwater(owner, practitioner, front_desk)
    appointment: Any = w.object("appointment_id")
    client = make_chartable(practitioner, appointment.client)
    last = signed(practitioner, client)  # occiput and left temporal, two techniques

    after_the_session(clock, appointment)

    def script(page: Any) -> None:
        sign_in(page, practitioner.user.email, f"/appointments/{appointment.pk}/chart")
        page.get_by_role("button", name="Start the note").click()
        carry = page.locator("#carry-forward")
        expect(carry).to_contain_text("Carry forward from the note of")
        page.get_by_label("Complaint, in the client's words").fill("Better this week")
        carry.get_by_text("Body map", exact=True).click()
        carry.get_by_text("Techniques", exact=True).click()
        shot(page, "carry-ticked")
        page.get_by_role("button", name="Copy into this note").click()
        expect(page.locator(".messages, [role=status]").first).to_contain_text("Copied")
        expect(page.locator("a#bm-occiput")).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_label("Technique", exact=True).first).to_have_value(
            "Cranial base release"
        )
        expect(page.get_by_label("Complaint, in the client's words")).to_have_value(
            "Better this week"
        )
        expect(carry.locator("input[value=techniques]")).to_be_checked()
        expect(carry.locator("input[value=rhythm_findings]")).not_to_be_checked()
        shot(page, "carried")

    in_browser(live_server.url, script)
    note = SessionNote.objects.get(appointment=appointment)
    assert note.copied_from_id == last.pk and note.complaint == "Better this week"
    assert [t.name for t in note.techniques.order_by("position")] == [
        "Cranial base release",
        "Still point",
    ]
    assert all(t.response == "" for t in note.techniques.all())
    assert {(r.region, r.side) for r in note.restrictions.all()} == {
        ("occiput", "midline"),
        ("temporal", "left"),
    }
    assert not note.rhythm_findings.exists()
    preference = ChartingPreference.objects.get(member=practitioner.member)
    assert preference.carry_forward == ["restrictions", "techniques"]
