"""The body map's geometry and markup: every region drawn once per side, labelled,
focusable, inside the picture, and marks shown now and from the last session."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from django.template.loader import render_to_string

from sacrum.charting import bodymap
from sacrum.charting.regions import REGIONS

SVG = "{http://www.w3.org/2000/svg}"


def test_every_drawn_region_has_its_shapes_and_the_rest_are_listed() -> None:
    keys = [s.key for s in bodymap.SHAPES]
    assert len(keys) == len(set(keys))
    for region in REGIONS:
        sides = sorted(s.side for s in bodymap.SHAPES if s.region == region.code)
        if not region.drawn:
            assert sides == [] and region.code in bodymap.LISTED
        elif region.paired:
            assert sides == ["left", "right"], region.code
        else:
            assert sides == [""], region.code


def test_shapes_fit_the_picture_and_right_is_drawn_on_the_viewers_left() -> None:
    for shape in bodymap.SHAPES:
        points = bodymap.path_points(shape.d)
        assert points, shape.key
        for x, y in points:
            assert 0 <= x <= bodymap.WIDTH and 0 <= y <= bodymap.HEIGHT, shape.key
        if shape.side == "right":
            assert max(x for x, _ in points) <= bodymap.AXIS
        if shape.side == "left":
            assert min(x for x, _ in points) >= bodymap.AXIS


def test_mirror_reflects_only_x() -> None:
    assert bodymap.mirror("M100,20 L130.5,40 Z") == "M180,20 L149.5,40 Z"


def test_marks_light_the_side_they_name() -> None:
    m = bodymap.build(
        [bodymap.Mark("temporal", "left", 2), bodymap.Mark("sacrum", "midline", 3)],
        [bodymap.Mark("parietal", "bilateral"), bodymap.Mark("falx", "midline")],
    )
    by_key = {s.key: s for s in m.shapes}
    assert by_key["temporal-left"].severity == 2 and by_key["temporal-right"].severity == 0
    assert by_key["sacrum"].classes.split()[-2:] == ["marked", "sev-3"]
    assert by_key["parietal-left"].previous and by_key["parietal-right"].previous
    falx = next(r for r in m.listed if r.region.code == "falx")
    assert falx.previous and not falx.severity
    assert m.marked_count == 2


def test_interactive_markup_is_labelled_focusable_and_has_no_inline_style() -> None:
    html = render_to_string(
        "charting/_bodymap.html",
        {"bodymap": bodymap.build([bodymap.Mark("occiput")]), "interactive": True},
    )
    assert "style=" not in html and "<script" not in html
    svg_text = re.search(r"<svg.*</svg>", html, re.S)
    assert svg_text
    svg = ET.fromstring(svg_text.group(0))
    links = svg.findall(f".//{SVG}a")
    assert len(links) == len(bodymap.SHAPES)
    for a in links:
        assert a.get("aria-label")
        assert a.get("href") == f"#bm-row-{a.get('data-region')}"
    occiput = next(a for a in links if a.get("data-region") == "occiput")
    assert "marked" in (occiput.get("class") or "")


def test_read_only_markup_has_no_controls() -> None:
    html = render_to_string(
        "charting/_bodymap.html", {"bodymap": bodymap.build(), "interactive": False}
    )
    assert "<a " not in html and "data-bodymap" not in html
