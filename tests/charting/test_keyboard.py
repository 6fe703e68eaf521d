"""The note editor by keyboard on a tablet: any stored rhythm rate can be saved and sent for
signing, and Tab (forwards and backwards) never leaves the focused field under a sticky bar.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.charting import selectors
from sacrum.charting.models import SessionNote
from tests.access.objects import Stillwater
from tests.browser.conftest import Shots
from tests.charting.objects import after_the_session, make_chartable, signed
from tests.charting.test_browser import in_browser, shot, sign_in

__all__ = ["shot"]  # the fixture, shared with the tablet walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where the focused element is drawn: its own box (a visually hidden radio is shown by its
# label), inside the window, and not under anything else at its centre.
FOCUS_SEEN = """() => {
  const field = document.activeElement;
  if (!field || field === document.body) return "nothing focused";
  let box = field;
  while (box.parentElement && box.getBoundingClientRect().width < 4) box = box.parentElement;
  const r = box.getBoundingClientRect();
  const name = `${field.tagName.toLowerCase()}#${field.id || field.name || field.textContent.trim().slice(0, 30)}`;
  if (r.top < 0 || r.bottom > window.innerHeight) return `${name} outside the window`;
  const x = Math.min(Math.max(r.left + r.width / 2, 0), window.innerWidth - 1);
  const hit = document.elementFromPoint(x, r.top + r.height / 2);
  if (!hit) return `${name} not drawn`;
  if (box.contains(hit) || hit.contains(box)) return "";
  // Drawn over by something else: only a sticky or fixed bar that is not the field's own
  // container hides it (body-map regions overlap inside the one sticky figure).
  let bar = hit;
  while (bar && !["sticky", "fixed"].includes(getComputedStyle(bar).position)) bar = bar.parentElement;
  if (bar && !bar.contains(box)) return `${name} covered by ${bar.getAttribute("class") || bar.tagName}`;
  return "";
}"""


def start_note_carrying(page: Any, appointment: Any, parts: list[str]) -> None:
    page.goto(f"/appointments/{appointment.pk}/chart")
    for part in parts:
        page.locator(f"input[name=parts][value={part}]").check()
    page.get_by_role("button", name="Start the note").click()
    expect(page.locator(".badge.warn")).to_have_text("Draft")


def test_a_carried_forward_rate_with_any_decimal_saves_and_goes_to_signing(
    live_server: Any, clock: Any, shot: Shots, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    w = Stillwater(owner, practitioner, front_desk)
    appointment: Any = w.object("appointment_id")
    client = make_chartable(practitioner, appointment.client)
    station = selectors.stations_for(practitioner.actor)[0]
    signed(
        practitioner,
        client,
        full=False,
        rhythm_findings=[{"station_id": str(station.pk), "rate": "10.9"}],
    )

    after_the_session(clock, appointment)

    def script(page: Any) -> None:
        sign_in(page, practitioner.user.email, "/")
        start_note_carrying(page, appointment, ["rhythm_findings"])
        rate = page.get_by_label(f"Rate at {station.name} (cycles per minute)")
        expect(rate).to_have_value("10.9")
        assert rate.evaluate("input => input.checkValidity()")
        page.get_by_role("button", name="Save draft").click()
        expect(page.locator(".messages, [role=status]").first).to_contain_text("Draft saved.")
        page.get_by_label(f"Rate at {station.name} (cycles per minute)").fill("7.3")
        page.get_by_role("button", name="Review and sign…").click()
        expect(page.locator("h1")).to_contain_text("Sign the note")
        shot(page, "sign-with-7.3")

    in_browser(live_server.url, script)
    note = SessionNote.objects.get(appointment=appointment)
    assert str(note.rhythm_findings.get().rate) == "7.3"


def tab_through(page: Any, key: str, limit: int = 260) -> tuple[int, list[str]]:
    """Press ``key`` until focus leaves the note form; each stop must be seen."""
    hidden: list[str] = []
    stops = 0
    for _ in range(limit):
        page.keyboard.press(key)
        if not page.evaluate("!!document.activeElement.closest('form.note-form')"):
            break
        stops += 1
        problem = page.evaluate(FOCUS_SEEN)
        if problem:
            hidden.append(problem)
            if os.environ.get("SACRUM_DEBUG_SHOTS"):
                page.screenshot(path=f"/tmp/a11yshots/hidden-{len(hidden)}.png")
    return stops, hidden


def test_tabbing_through_the_note_editor_never_hides_the_focused_field(
    live_server: Any, clock: Any, shot: Shots, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    w = Stillwater(owner, practitioner, front_desk)
    appointment: Any = w.object("appointment_id")
    client = make_chartable(practitioner, appointment.client)
    signed(practitioner, client)  # a full note: every list has rows to carry
    results: dict[str, tuple[int, list[str]]] = {}

    after_the_session(clock, appointment)

    def script(page: Any) -> None:
        sign_in(page, practitioner.user.email, "/")
        start_note_carrying(
            page, appointment, ["rhythm_findings", "restrictions", "still_points", "techniques"]
        )
        page.get_by_label("Complaint, in the client's words").focus()
        results["forward"] = tab_through(page, "Tab")
        shot(page, "forward-end")
        page.get_by_role("button", name="Review and sign…").focus()
        results["backward"] = tab_through(page, "Shift+Tab")
        shot(page, "backward-end")

    in_browser(live_server.url, script)
    for direction, (stops, hidden) in results.items():
        assert stops > 60, f"{direction}: only {stops} stops: the walk did not cover the form"
        assert hidden == [], f"{direction}: {len(hidden)} of {stops} stops hidden: {hidden}"
