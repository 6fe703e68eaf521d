"""The body map: our own schematic drawing of the craniosacral system, as SVG geometry.

The drawing is a front view (the client faces you, so the client's right is on your
left) of the cranium, the spine in its three regions, sacrum, coccyx and the two ilia,
with the five transverse diaphragms as see-through bands across the spine, and a small
"back of the head" view for the occipital bone. Membranes and the dural tube are not
drawn; the page lists them beside the map.

Geometry only uses absolute ``M``/``L``/``C``/``Z`` commands, so a right-side shape is
the mirror of the left-side one (``mirror``) and the same paths could be redrawn in a
PDF. Every drawn shape is keyed by a region code (``regions.py``) and, for paired bones,
the side it stands for: tapping the left parietal marks the parietal region on the left.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sacrum.charting.regions import BY_CODE, REGIONS, Region, label

WIDTH = 380
HEIGHT = 690
AXIS = 140  # the body's midline in the drawing
BACK_AXIS = 300  # midline of the small back-of-head view

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PAIR = re.compile(r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


def mirror(d: str, axis: float = AXIS) -> str:
    """The path reflected across the vertical line x = axis (pairs are x,y)."""
    return _PAIR.sub(lambda m: f"{2 * axis - float(m[1]):g},{m[2]}", d)


@dataclass(frozen=True)
class Shape:
    """One drawn, tappable area of a region (a paired bone has two, one per side)."""

    region: str
    side: str  # "" when the shape is the whole region; "left" / "right" for paired ones
    d: str
    kind: str  # bone | spine | diaphragm | pelvis; styles the shape
    label_at: tuple[float, float] | None = None  # where a diaphragm's name is written

    @property
    def key(self) -> str:
        return f"{self.region}-{self.side}" if self.side else self.region


def _pair(region: str, right_d: str, kind: str = "bone") -> list[Shape]:
    """A paired bone drawn on the client's right (your left) and mirrored for the left."""
    return [Shape(region, "right", right_d, kind), Shape(region, "left", mirror(right_d), kind)]


# Listed in anatomical order; ``SHAPES`` below draws the diaphragms last.
_DRAWN: tuple[Shape, ...] = (
    Shape(
        "cranial_base",
        "",
        "M62,226 C100,218 180,218 218,226 L218,240 C180,232 100,232 62,240 Z",
        "diaphragm",
        (224, 236),
    ),
    Shape(
        "hyoid",
        "",
        "M88,264 L192,264 L192,278 L88,278 Z",
        "diaphragm",
        (224, 275),
    ),
    Shape(
        "thoracic_inlet",
        "",
        "M56,316 C100,308 180,308 224,316 L224,332 C180,324 100,324 56,332 Z",
        "diaphragm",
        (228, 328),
    ),
    Shape(
        "respiratory_diaphragm",
        "",
        "M54,500 C86,472 118,472 140,480 C162,472 194,472 226,500 L226,516 "
        "C194,488 162,488 140,496 C118,488 86,488 54,516 Z",
        "diaphragm",
        (230, 512),
    ),
    Shape(
        "pelvic_diaphragm",
        "",
        "M78,662 C110,674 170,674 202,662 L202,674 C170,686 110,686 78,674 Z",
        "diaphragm",
        (208, 682),
    ),
    # Cranium, front view.
    Shape(
        "frontal",
        "",
        "M88,100 C88,50 110,20 140,20 C170,20 192,50 192,100 "
        "C172,94 158,92 140,92 C122,92 108,94 88,100 Z",
        "bone",
    ),
    *_pair("parietal", "M86,100 L66,102 C64,62 90,28 130,20 C106,32 86,58 86,100 Z"),
    *_pair("temporal", "M66,106 L88,104 L92,148 L74,150 C68,136 65,122 66,106 Z"),
    Shape(
        "sphenoid",
        "",
        "M92,104 C108,98 124,96 140,96 C156,96 172,98 188,104 L186,118 "
        "C170,112 156,118 140,120 C124,118 110,112 94,118 Z",
        "bone",
    ),
    Shape("ethmoid", "", "M133,121 L147,121 L147,139 L133,139 Z", "bone"),
    Shape("vomer", "", "M135,142 L145,142 L144,168 L136,168 Z", "bone"),
    *_pair("maxilla", "M106,146 C114,149 124,149 133,142 L133,170 L98,170 L94,162 L106,160 Z"),
    *_pair(
        "zygomatic", "M90,124 L101,122 C102,136 104,148 107,159 L93,161 C90,150 89,137 90,124 Z"
    ),
    *_pair(
        "tmj",
        "M69,162 C69,156 74,151 80,151 C86,151 91,156 91,162 C91,168 86,173 80,173 "
        "C74,173 69,168 69,162 Z",
    ),
    Shape(
        "mandible",
        "",
        "M102,172 L178,172 L188,178 L186,194 C178,212 160,220 140,220 "
        "C120,220 102,212 94,194 L92,178 Z",
        "bone",
    ),
    # Back of the head: the occipital bone below the outline of the skull seen from behind.
    Shape(
        "occiput",
        "",
        "M262,74 C280,82 320,82 338,74 C334,100 318,112 300,112 C282,112 266,100 262,74 Z",
        "bone",
    ),
    # Spine, sacrum, coccyx, pelvis.
    Shape("cervical", "", "M128,244 L152,244 L152,310 L128,310 Z", "spine"),
    Shape("thoracic", "", "M126,336 L154,336 L154,484 L126,484 Z", "spine"),
    Shape("lumbar", "", "M124,488 L156,488 L156,566 L124,566 Z", "spine"),
    *_pair(
        "ilium",
        "M120,574 C104,560 80,556 64,566 C56,592 68,620 96,632 L118,624 Z",
        "pelvis",
    ),
    Shape(
        "sacrum",
        "",
        "M122,572 L158,572 L152,620 C148,630 144,634 140,636 C136,634 132,630 128,620 Z",
        "pelvis",
    ),
    Shape(
        "coccyx",
        "",
        "M130,640 L150,640 L146,658 C144,664 136,664 134,658 Z",
        "pelvis",
    ),
)

# The diaphragms are drawn last, see-through (charting.css), so a tap in a band's middle
# marks the diaphragm where it crosses the spine; the spine regions stay tappable above and
# below the band (the pelvic diaphragm sits under the coccyx and overlaps nothing).
SHAPES: tuple[Shape, ...] = tuple(s for s in _DRAWN if s.kind != "diaphragm") + tuple(
    s for s in _DRAWN if s.kind == "diaphragm"
)

# Not drawn: listed beside the map.
LISTED: tuple[str, ...] = tuple(r.code for r in REGIONS if not r.drawn)

_ORBIT = (
    "M102,132 C102,124 110,120 118,120 C126,120 132,126 132,134 C132,142 124,146 "
    "116,146 C108,146 102,140 102,132 Z"
)

# Decoration (not interactive, class then path): outlines, orbits, vertebra lines.
DECORATION: tuple[tuple[str, str], ...] = (
    (
        "outline",
        "M66,104 C62,52 98,16 140,16 C182,16 218,52 214,104 L206,150 L188,178 L92,178 L74,150 Z",
    ),
    ("orbit", _ORBIT),
    ("orbit", mirror(_ORBIT)),
    ("outline", "M262,74 C260,42 278,22 300,22 C322,22 340,42 338,74"),
    ("outline", "M300,24 L300,76"),
)

VERTEBRA_LINES: tuple[tuple[float, float, float, float], ...] = tuple(
    (x0, y, x1, y)
    for (x0, x1, top, bottom, count) in (
        (128, 152, 244, 310, 7),
        (126, 154, 336, 484, 12),
        (124, 156, 488, 566, 5),
    )
    for y in (round(top + (bottom - top) * i / count, 1) for i in range(1, count))
)


@dataclass(frozen=True)
class Mark:
    """A restriction as the map needs it: where, which side, how marked."""

    region: str
    side: str = ""
    severity: int = 1


@dataclass(frozen=True)
class ShapeView:
    shape: Shape
    label: str
    severity: int  # 0 when not marked now
    previous: bool  # marked at the last session

    @property
    def key(self) -> str:
        return self.shape.key

    @property
    def classes(self) -> str:
        names = ["region", self.shape.kind]
        if self.severity:
            names += ["marked", f"sev-{self.severity}"]
        if self.previous:
            names.append("was-marked")
        return " ".join(names)


@dataclass(frozen=True)
class Listed:
    """A region that is not drawn (membranes, dural tube): a button beside the map."""

    region: Region
    severity: int
    previous: bool

    @property
    def classes(self) -> str:
        names = ["region-chip"]
        if self.severity:
            names += ["marked", f"sev-{self.severity}"]
        if self.previous:
            names.append("was-marked")
        return " ".join(names)


@dataclass(frozen=True)
class BodyMap:
    width: int
    height: int
    shapes: Sequence[ShapeView]
    listed: Sequence[Listed]
    decoration: Sequence[tuple[str, str]]
    vertebrae: Sequence[tuple[float, float, float, float]]

    @property
    def bands(self) -> list[ShapeView]:
        return [s for s in self.shapes if s.shape.label_at is not None]

    @property
    def marked_count(self) -> int:
        return sum(1 for s in self.shapes if s.severity) + sum(1 for r in self.listed if r.severity)


def applies(mark: Mark, shape: Shape) -> bool:
    """Whether a mark lights this shape: a paired shape only for its side, or both."""
    if mark.region != shape.region:
        return False
    if not shape.side or mark.side not in ("left", "right"):
        return True
    return mark.side == shape.side


def build(current: Iterable[Mark] = (), previous: Iterable[Mark] = ()) -> BodyMap:
    """The map for a note: every region labelled, with today's and last session's marks."""
    now = list(current)
    before = list(previous)
    views = []
    for shape in SHAPES:
        words = label(shape.region, shape.side) if shape.side else BY_CODE[shape.region].label
        severity = max((m.severity for m in now if applies(m, shape)), default=0)
        was = any(applies(m, shape) for m in before)
        views.append(ShapeView(shape, words, severity, was))
    listed = [
        Listed(
            BY_CODE[code],
            max((m.severity for m in now if m.region == code), default=0),
            any(m.region == code for m in before),
        )
        for code in LISTED
    ]
    return BodyMap(WIDTH, HEIGHT, views, listed, DECORATION, VERTEBRA_LINES)


def drawn_regions() -> set[str]:
    return {s.region for s in SHAPES}


def path_points(d: str) -> list[tuple[float, float]]:
    """Every coordinate pair in a path (used to check the drawing fits its viewBox)."""
    numbers = [float(n) for n in _NUMBER.findall(d)]
    return list(zip(numbers[0::2], numbers[1::2], strict=False))
