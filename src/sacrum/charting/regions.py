"""The regions of the craniosacral system a restriction can be marked on.

One list, used by the model (validation and a database CHECK), the body map (which
shapes to draw and how to label them), the API and the exports. Paired bones are one
region with a side (left, right or both), so a restriction of the left temporal and
one of the right temporal trend as the same region. Membranes and the dural tube are
not drawn on the map; pages list them as buttons beside it (``drawn=False``).

Codes are stable identifiers stored in notes: never rename one, only add.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BILATERAL = "bilateral", "Both sides"
    MIDLINE = "midline", "Midline"


PAIRED_SIDES = (Side.LEFT.value, Side.RIGHT.value, Side.BILATERAL.value)
ALL_SIDES = tuple(s.value for s in Side)


@dataclass(frozen=True)
class Group:
    code: str
    label: str


@dataclass(frozen=True)
class Region:
    """One place on the map: a stable ``code``, the words shown, and where it belongs."""

    code: str
    label: str
    group: str
    paired: bool = False
    drawn: bool = True

    @property
    def sides(self) -> tuple[str, ...]:
        """Sides a restriction of this region may have (paired bones are never "midline")."""
        return PAIRED_SIDES if self.paired else ALL_SIDES

    @property
    def default_side(self) -> str:
        return Side.BILATERAL.value if self.paired else Side.MIDLINE.value


GROUPS: tuple[Group, ...] = (
    Group("cranium", "Cranial bones"),
    Group("face", "Face and jaw"),
    Group("spine", "Spine"),
    Group("pelvis", "Sacrum and pelvis"),
    Group("diaphragms", "Transverse diaphragms"),
    Group("membranes", "Membranes and dural tube"),
)

REGIONS: tuple[Region, ...] = (
    # Cranium
    Region("frontal", "Frontal bone", "cranium"),
    Region("parietal", "Parietal bone", "cranium", paired=True),
    Region("temporal", "Temporal bone", "cranium", paired=True),
    Region("occiput", "Occipital bone (occiput)", "cranium"),
    Region("sphenoid", "Sphenoid", "cranium"),
    Region("ethmoid", "Ethmoid", "cranium"),
    # Face and jaw
    Region("vomer", "Vomer", "face"),
    Region("maxilla", "Maxilla", "face", paired=True),
    Region("zygomatic", "Zygomatic bone", "face", paired=True),
    Region("mandible", "Mandible", "face"),
    Region("tmj", "Temporomandibular joint (TMJ)", "face", paired=True),
    # Spine
    Region("cervical", "Cervical spine", "spine"),
    Region("thoracic", "Thoracic spine", "spine"),
    Region("lumbar", "Lumbar spine", "spine"),
    # Sacrum and pelvis
    Region("sacrum", "Sacrum", "pelvis"),
    Region("coccyx", "Coccyx", "pelvis"),
    Region("ilium", "Pelvis / ilium", "pelvis", paired=True),
    # The five transverse diaphragms, from the feet up
    Region("pelvic_diaphragm", "Pelvic diaphragm", "diaphragms"),
    Region("respiratory_diaphragm", "Respiratory diaphragm", "diaphragms"),
    Region("thoracic_inlet", "Thoracic inlet", "diaphragms"),
    Region("hyoid", "Hyoid diaphragm", "diaphragms"),
    Region("cranial_base", "Occipital cranial base", "diaphragms"),
    # Not drawn: listed beside the map
    Region("falx", "Falx (cerebri and cerebelli)", "membranes", drawn=False),
    Region("tentorium", "Tentorium cerebelli", "membranes", drawn=False),
    Region("dural_tube", "Dural tube", "membranes", drawn=False),
)

BY_CODE: dict[str, Region] = {r.code: r for r in REGIONS}
REGION_CODES: tuple[str, ...] = tuple(BY_CODE)
REGION_CHOICES: list[tuple[str, str]] = [(r.code, r.label) for r in REGIONS]
GROUP_LABELS: dict[str, str] = {g.code: g.label for g in GROUPS}


def region(code: str) -> Region:
    """The region with ``code`` (KeyError for an unknown code)."""
    return BY_CODE[code]


def label(code: str, side: str = "") -> str:
    """ "Temporal bone, left" — the words for a region and side, for pages and exports."""
    found = BY_CODE.get(code)
    text = found.label if found else code
    if side and found and found.paired and side in (Side.LEFT, Side.RIGHT):
        return f"{text}, {Side(side).label.lower()}"
    if side == Side.BILATERAL and found and found.paired:
        return f"{text}, both sides"
    return text


def grouped() -> list[tuple[Group, list[Region]]]:
    """Regions under their group, in map order (for lists and the no-JavaScript form)."""
    return [(g, [r for r in REGIONS if r.group == g.code]) for g in GROUPS]
