"""API schemas for charting. Rhythm findings are labelled as palpation findings everywhere."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from sacrum.charting.models import Amplitude, Quality, SessionNote
from sacrum.charting.regions import label
from sacrum.kernel.fields import Moment

PALPATION_LABEL = (
    "Palpation findings: the practitioner's impression of the craniosacral rhythm, "
    "not a measurement (between-examiner reliability is poor)."
)

Position = Literal["", "supine", "prone", "side", "seated"]
Attire = Literal["", "clothed", "gown"]
SensationCode = Literal["warmth", "tingling", "relaxation", "sleep", "emotion", "none"]
SymmetryCode = Literal["", "symmetric", "left_reduced", "right_reduced"]
SideCode = Literal["", "left", "right", "bilateral", "midline"]
StillPointWhere = Literal["feet", "occiput", "sacrum", "spontaneous", "other"]
Text = Field(default="", max_length=4000)


# --- In ------------------------------------------------------------------------------


class RhythmIn(Schema):
    station_id: uuid.UUID
    rate: Decimal | None = Field(default=None, ge=0, le=60, description="Cycles per minute.")
    amplitude: int | None = Field(
        default=None, ge=1, le=3, description="1 low, 2 moderate, 3 full."
    )
    symmetry: SymmetryCode = ""
    quality: int | None = Field(
        default=None, ge=1, le=3, description="1 weak/erratic, 2 moderate, 3 vital/smooth."
    )
    note: str = Field(default="", max_length=500)


class RestrictionIn(Schema):
    region: str = Field(max_length=30, description="A code from GET /charting/regions.")
    side: SideCode = Field(default="", description="Empty: the region's default side.")
    severity: int = Field(default=1, ge=1, le=3)
    note: str = Field(default="", max_length=500)


class StillPointIn(Schema):
    induced: bool = True
    location: StillPointWhere
    duration_seconds: int | None = Field(default=None, ge=0, le=3600)


class TechniqueIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    duration_minutes: int | None = Field(default=None, ge=1, le=240)
    response: str = Field(default="", max_length=500)


class NotePatch(Schema):
    """Autosave: send only what changed. A list given replaces that whole list."""

    seen_at: Moment | None = None
    complaint: str = Text
    changes_since_last: str = Text
    health_changes: str = Text
    pain_before: int | None = Field(default=None, ge=0, le=10)
    observation: str = Text
    palpation: str = Text
    client_position: Position = ""
    attire: Attire = ""
    tags: list[str] = Field(default_factory=list, max_length=20)
    response: str = Text
    pain_after: int | None = Field(default=None, ge=0, le=10)
    sensations: list[SensationCode] = Field(default_factory=list)
    sensations_note: str = Field(default="", max_length=2000)
    adverse_reactions: str = Text
    progress: str = Text
    next_visit: str = Field(default="", max_length=200)
    frequency: str = Field(default="", max_length=200)
    home_care: str = Text
    referral: str = Text
    duration_minutes: int | None = Field(default=None, ge=1, le=240)
    sensitive: bool = False
    rhythm_findings: list[RhythmIn] = Field(default_factory=list, max_length=100)
    restrictions: list[RestrictionIn] = Field(default_factory=list, max_length=100)
    still_points: list[StillPointIn] = Field(default_factory=list, max_length=100)
    techniques: list[TechniqueIn] = Field(default_factory=list, max_length=100)


class NotePut(NotePatch):
    """The whole draft: anything left out is emptied."""


class NoteCreateIn(Schema):
    appointment_id: uuid.UUID | None = Field(
        default=None, description="Empty for an unscheduled visit."
    )
    seen_at: Moment | None = None


class CopyForwardIn(NoteCreateIn):
    parts: list[
        Literal[
            "complaint",
            "setup",
            "plan",
            "home_care",
            "tags",
            "rhythm_findings",
            "restrictions",
            "still_points",
            "techniques",
        ]
    ] = Field(min_length=1, description="What to carry from the previous signed note.")


class OpenIn(Schema):
    reason: str = Field(min_length=3, max_length=500)


class AddendumIn(Schema):
    text: str = Field(min_length=1, max_length=8000)


class StationIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    position: int = Field(default=0, ge=0, le=1000)
    active: bool = True


class StationPatch(Schema):
    name: str = Field(default="", min_length=1, max_length=80)
    position: int = Field(default=0, ge=0, le=1000)
    active: bool = True


class TechniqueTemplateIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    steps: list[str] = Field(min_length=1, max_length=40)
    active: bool = True


class TechniqueTemplatePatch(Schema):
    name: str = Field(default="", min_length=1, max_length=100)
    steps: list[str] = Field(default_factory=list, min_length=1, max_length=40)
    active: bool = True


class NoteTemplateIn(Schema):
    service_id: uuid.UUID
    defaults: dict[str, str] = Field(default_factory=dict)
    client_position: Position = ""
    attire: Attire = ""
    duration_minutes: int | None = Field(default=None, ge=1, le=240)
    technique_template_id: uuid.UUID | None = None


class NoteTemplatePatch(Schema):
    defaults: dict[str, str] = Field(default_factory=dict)
    client_position: Position = ""
    attire: Attire = ""
    duration_minutes: int | None = Field(default=None, ge=1, le=240)
    technique_template_id: uuid.UUID | None = None


class PolicyPatch(Schema):
    unsigned_alert_hours: int = Field(ge=1, le=720)


# --- Out -----------------------------------------------------------------------------


class RhythmOut(Schema):
    station_id: uuid.UUID
    station_name: str = Field(alias="station.name")
    rate: Decimal | None
    amplitude: int | None
    amplitude_label: str
    symmetry: str
    quality: int | None
    quality_label: str
    note: str = Field(alias="note_text")

    @staticmethod
    def resolve_amplitude_label(obj: Any) -> str:
        return Amplitude(obj.amplitude).label if obj.amplitude else ""

    @staticmethod
    def resolve_quality_label(obj: Any) -> str:
        return Quality(obj.quality).label if obj.quality else ""


class RestrictionOut(Schema):
    region: str
    side: str
    severity: int
    note: str = Field(alias="note_text")
    label: str

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return label(obj.region, obj.side)


class StillPointOut(Schema):
    induced: bool
    location: str
    duration_seconds: int | None


class TechniqueOut(Schema):
    position: int
    name: str
    duration_minutes: int | None
    response: str


class AddendumOut(Schema):
    id: uuid.UUID
    note_id: uuid.UUID
    author_id: uuid.UUID
    author_name: str
    created_at: dt.datetime
    text: str
    content_hash: str

    @staticmethod
    def resolve_author_name(obj: Any) -> str:
        return str(obj.author.user.full_name or obj.author.user.email)


def _author_name(note: SessionNote) -> str:
    user = note.author.user
    return str(user.full_name or user.email)


class NoteSummaryOut(Schema):
    """One line of a client's notes. ``content_hidden``: an "author only" note of someone else."""

    id: uuid.UUID
    client_id: uuid.UUID
    appointment_id: uuid.UUID | None
    author_id: uuid.UUID
    author_name: str
    seen_at: dt.datetime
    status: str
    sensitive: bool
    content_hidden: bool
    pain_before: int | None
    pain_after: int | None
    duration_minutes: int | None
    signed_at: dt.datetime | None


class NoteOut(Schema):
    id: uuid.UUID
    client_id: uuid.UUID
    appointment_id: uuid.UUID | None
    author_id: uuid.UUID
    author_name: str
    seen_at: dt.datetime
    status: str
    copied_from_id: uuid.UUID | None
    complaint: str
    changes_since_last: str
    health_changes: str
    pain_before: int | None
    observation: str
    palpation: str
    client_position: str
    attire: str
    tags: list[str]
    response: str
    pain_after: int | None
    sensations: list[str]
    sensations_note: str
    adverse_reactions: str
    progress: str
    next_visit: str
    frequency: str
    home_care: str
    referral: str
    duration_minutes: int | None
    sensitive: bool
    palpation_findings_label: str = PALPATION_LABEL
    rhythm_findings: list[RhythmOut]
    restrictions: list[RestrictionOut]
    still_points: list[StillPointOut]
    techniques: list[TechniqueOut]
    signed_by_id: uuid.UUID | None
    signed_at: dt.datetime | None
    content_hash: str
    updated_at: dt.datetime
    addenda: list[AddendumOut]

    @staticmethod
    def resolve_author_name(obj: SessionNote) -> str:
        return _author_name(obj)

    @staticmethod
    def resolve_rhythm_findings(obj: SessionNote) -> list[Any]:
        return list(obj.rhythm_findings.all())

    @staticmethod
    def resolve_restrictions(obj: SessionNote) -> list[Any]:
        return list(obj.restrictions.all())

    @staticmethod
    def resolve_still_points(obj: SessionNote) -> list[Any]:
        return list(obj.still_points.all())

    @staticmethod
    def resolve_techniques(obj: SessionNote) -> list[Any]:
        return list(obj.techniques.all())

    @staticmethod
    def resolve_addenda(obj: SessionNote) -> list[Any]:
        return list(obj.addenda.all())


class StationOut(Schema):
    id: uuid.UUID
    name: str
    position: int
    active: bool


class TechniqueTemplateOut(Schema):
    id: uuid.UUID
    name: str
    steps: list[str]
    shipped: bool
    active: bool


class NoteTemplateOut(Schema):
    id: uuid.UUID
    service_id: uuid.UUID
    service_name: str = Field(alias="service.name")
    defaults: dict[str, str]
    client_position: str
    attire: str
    duration_minutes: int | None
    technique_template_id: uuid.UUID | None


class ChartingPolicyOut(Schema):
    unsigned_alert_hours: int


class RegionOut(Schema):
    code: str
    label: str
    group: str
    group_label: str
    paired: bool
    drawn: bool
    sides: list[str]


class MismatchOut(Schema):
    kind: str = Field(
        description="note, addendum (content changed); note_seal, addendum_seal (re-hashed "
        "without the server's key); missing_note, unsigned_note, missing_addendum (the audit "
        "log records it, the database lost it)"
    )
    object_id: str
    note_id: str
    problem: str = Field(description="The finding in words.")


class VerifyOut(Schema):
    notes: int
    addenda: int
    ok: bool
    mismatches: list[MismatchOut]
