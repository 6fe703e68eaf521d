"""Technique rows on a tablet: names are readable in both orientations, and one tap takes a
step out of the note (only what was done is recorded)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from sacrum.charting.models import SessionNote
from tests.access.objects import Stillwater
from tests.browser.conftest import Shots
from tests.charting.objects import after_the_session, make_chartable, signed
from tests.charting.test_browser import in_browser, shot, sign_in
from tests.charting.test_keyboard import start_note_carrying

__all__ = ["shot"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME_WIDTH = "el => el.getBoundingClientRect().width"


def test_technique_names_are_readable_and_one_tap_removes_a_step(
    live_server: Any, clock: Any, shot: Shots, owner: Any, practitioner: Any, front_desk: Any
) -> None:
    w = Stillwater(owner, practitioner, front_desk)
    appointment: Any = w.object("appointment_id")
    client = make_chartable(practitioner, appointment.client)
    signed(practitioner, client)  # techniques: cranial base release, then still point
    widths: dict[str, float] = {}

    after_the_session(clock, appointment)

    def script(page: Any) -> None:
        sign_in(page, practitioner.user.email, "/")
        start_note_carrying(page, appointment, ["techniques"])
        first = page.get_by_label("Technique", exact=True).first
        expect(first).to_have_value("Cranial base release")
        widths["landscape"] = first.evaluate(NAME_WIDTH)
        page.locator("#techniques").scroll_into_view_if_needed()
        shot(page, "techniques-landscape")
        page.set_viewport_size({"width": 768, "height": 1024})
        widths["portrait"] = first.evaluate(NAME_WIDTH)
        shot(page, "techniques-portrait")
        page.set_viewport_size({"width": 1024, "height": 768})

        page.get_by_role("button", name="Remove technique 1").click()
        names = page.get_by_label("Technique", exact=True)
        expect(names.first).to_have_value("Still point")
        expect(names.first).to_be_focused()
        shot(page, "first-removed")
        page.get_by_role("button", name="Save draft").click()
        expect(page.locator(".messages, [role=status]").first).to_contain_text("Draft saved.")

    in_browser(live_server.url, script)
    # "Cranial base release" (about 20 characters) fits, not 3 of them.
    assert widths["landscape"] >= 150, widths
    assert widths["portrait"] >= 150, widths
    note = SessionNote.objects.get(appointment=appointment)
    assert [t.name for t in note.techniques.order_by("position")] == ["Still point"]
