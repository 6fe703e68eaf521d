"""The lean note on a tablet, counted tap by tap: rhythm at three listening stations, three
body-map regions, six techniques, pain before and after and the plan, signed, in at most
40 taps at 1024x768 and at 768x1024. Every tap, click and typed character is counted the
way a person would make it (a tap into a field, then the characters typed); the signed note
must hold exactly what was entered.

The figures are printed (``-s``) and recorded in docs/charting.md with an estimated time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import ViewportSize, expect

from sacrum.charting import selectors
from sacrum.charting.models import SessionNote
from tests.access.objects import Stillwater
from tests.browser.conftest import Shots
from tests.charting.objects import after_the_session, make_chartable
from tests.charting.test_browser import LANDSCAPE, in_browser, shot, sign_in

__all__ = ["shot"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TAPS = 40
SECONDS_PER_TAP = 1.5  # an estimate: find the target, reach, tap (tablet, in the room)
SECONDS_PER_CHARACTER = 0.3  # an estimate: a practitioner on a tablet's on-screen keyboard
PORTRAIT: ViewportSize = {"width": 768, "height": 1024}

# (rate typed, amplitude, symmetry, quality) at the first three listening stations.
FINDINGS = [
    ("8.5", "Moderate", "Symmetric", "Moderate"),
    ("7", "Low", "Less on the left", "Weak / erratic"),
    ("9", "Full", "Symmetric", "Vital / smooth"),
]
AMPLITUDE = {"Low": 1, "Moderate": 2, "Full": 3}
QUALITY = {"Weak / erratic": 1, "Moderate": 2, "Vital / smooth": 3}
SYMMETRY = {"Symmetric": "symmetric", "Less on the left": "left_reduced"}
TECHNIQUES = [
    "Still point",
    "Pelvic diaphragm release",
    "Respiratory diaphragm release",
    "Thoracic inlet release",
    "Cranial base release",
    "Frontal lift",
]
NEXT_VISIT = "In 1 week"


@dataclass
class Counter:
    """Taps (a tap, click or tap into a field) and characters typed, as a person makes them."""

    page: Any
    taps: int = 0
    characters: int = 0

    def tap(self, target: Any) -> None:
        target.tap()
        self.taps += 1

    def type(self, field: Any, text: str) -> None:
        field.tap()  # the tap that puts the cursor in the field
        self.taps += 1
        self.page.keyboard.type(text)
        self.characters += len(text)

    @property
    def seconds(self) -> float:
        return self.taps * SECONDS_PER_TAP + self.characters * SECONDS_PER_CHARACTER


@pytest.mark.parametrize(
    "viewport", [LANDSCAPE, PORTRAIT], ids=["landscape-1024x768", "portrait-768x1024"]
)
def test_a_lean_note_takes_at_most_40_taps(
    live_server: Any,
    clock: Any,
    shot: Shots,
    owner: Any,
    practitioner: Any,
    front_desk: Any,
    viewport: ViewportSize,
) -> None:
    w = Stillwater(owner, practitioner, front_desk)
    appointment: Any = w.object("appointment_id")
    make_chartable(practitioner, appointment.client)
    stations = selectors.stations_for(practitioner.actor)[:3]
    steps = {s for t in selectors.technique_templates_for(practitioner.actor) for s in t.steps}
    assert set(TECHNIQUES) <= steps, "the lean note uses the shipped templates' steps"
    counted: dict[str, Counter] = {}

    after_the_session(clock, appointment)

    def script(page: Any) -> None:
        sign_in(page, practitioner.user.email, "/")
        page.set_viewport_size(viewport)
        c = counted["note"] = Counter(page)
        page.goto(f"/appointments/{appointment.pk}/")
        # "Chart this session" on the appointment (or the dashboard) starts the draft and
        # opens the editor: one tap, no start page.
        c.tap(page.get_by_role("button", name="Chart this session"))
        expect(page.locator(".badge.warn")).to_have_text("Draft")

        c.tap(page.locator("fieldset.pain").first.get_by_text("6", exact=True))
        for station, (rate, amplitude, symmetry, quality) in zip(stations, FINDINGS, strict=True):
            c.type(page.get_by_label(f"Rate at {station.name} (cycles per minute)"), rate)
            box = page.locator("fieldset.station-finding", has_text=station.name).first
            groups = box.locator("fieldset.segmented")
            c.tap(groups.nth(0).get_by_text(amplitude, exact=True))
            c.tap(groups.nth(1).get_by_text(symmetry, exact=True))
            c.tap(groups.nth(2).get_by_text(quality, exact=True))
        page.locator("#h-rhythm").scroll_into_view_if_needed()
        shot(page, "rhythm")

        c.tap(page.locator("a#bm-occiput"))
        c.tap(page.locator("a#bm-temporal-left"))
        c.tap(page.locator("a#bm-respiratory_diaphragm"))
        c.tap(page.locator("#bm-row-occiput .severity").get_by_text("2", exact=True))
        page.locator("#bodymap").scroll_into_view_if_needed()
        shot(page, "bodymap")

        for name in TECHNIQUES:
            c.tap(page.get_by_role("button", name=name, exact=True))
        page.locator("#techniques").scroll_into_view_if_needed()
        shot(page, "techniques")

        c.tap(page.locator("fieldset.pain").nth(1).get_by_text("2", exact=True))
        c.type(page.get_by_label("Next visit"), NEXT_VISIT)
        shot(page, "plan")

        c.tap(page.get_by_role("button", name="Review and sign…"))
        expect(page.locator("h1")).to_contain_text("Sign the note")
        shot(page, "confirm")
        c.tap(page.get_by_role("button", name="Sign and lock the note"))
        expect(page.locator(".badge.ok")).to_contain_text("Signed")
        shot(page, "signed")

    in_browser(live_server.url, script)
    c = counted["note"]
    print(
        f"\nLean note at {viewport['width']}x{viewport['height']}: {c.taps} taps, "
        f"{c.characters} characters typed, about {c.seconds:.0f} s estimated "
        f"({SECONDS_PER_TAP} s a tap, {SECONDS_PER_CHARACTER} s a character)"
    )
    assert c.taps <= MAX_TAPS, c.taps
    assert c.seconds <= 90, c.seconds

    note = SessionNote.objects.get(appointment=appointment)
    assert note.status == "signed" and note.content_hash
    assert (note.pain_before, note.pain_after) == (6, 2)
    findings = [
        (f.station_id, f.rate, f.amplitude, f.symmetry, f.quality, f.note_text)
        for f in note.rhythm_findings.order_by("station__position")
    ]
    assert findings == [
        (s.pk, Decimal(rate), AMPLITUDE[a], SYMMETRY[sym], QUALITY[q], "")
        for s, (rate, a, sym, q) in zip(stations, FINDINGS, strict=True)
    ]
    marks = {(r.region, r.side, r.severity, r.note_text) for r in note.restrictions.all()}
    assert marks == {
        ("occiput", "midline", 2, ""),
        ("temporal", "left", 1, ""),
        ("respiratory_diaphragm", "midline", 1, ""),
    }
    techniques = [
        (t.name, t.duration_minutes, t.response) for t in note.techniques.order_by("position")
    ]
    assert techniques == [(name, None, "") for name in TECHNIQUES]
    assert note.next_visit == NEXT_VISIT
    assert not note.still_points.exists()
    # Nothing else was written: every other text is empty.
    for name in (
        "complaint",
        "changes_since_last",
        "health_changes",
        "observation",
        "palpation",
        "response",
        "sensations_note",
        "adverse_reactions",
        "progress",
        "frequency",
        "home_care",
        "referral",
    ):
        assert getattr(note, name) == "", name
    assert note.sensations == [] and note.tags == [] and not note.sensitive
