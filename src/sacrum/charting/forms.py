"""The note page's form: one plain HTML form for the whole SOAP note.

It works without JavaScript: rhythm findings are one row per listening station, the
body map's regions are one row each (checkbox, side, severity 1 to 3, note), still points
and techniques are numbered rows with a few blank ones. ``to_data()`` turns the posted
form into the ``data`` that ``services.save_draft`` takes, and ``add_errors`` puts the
service's errors (keyed like ``restrictions.2.side``) back beside the right field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from sacrum.charting.models import (
    Amplitude,
    Attire,
    ListeningStation,
    Position,
    Quality,
    Sensation,
    SessionNote,
    StillPointLocation,
    Symmetry,
)
from sacrum.charting.regions import REGIONS, Region, Side, grouped
from sacrum.charting.services import COPY_PARTS

TEXT_FIELDS: dict[str, tuple[str, int, bool]] = {
    # name: (label, max length, long text)
    "complaint": ("Complaint, in the client's words", 4000, True),
    "changes_since_last": ("Changes since the last visit", 4000, True),
    "health_changes": ("New health or medication changes", 4000, True),
    "observation": ("Observation", 4000, True),
    "palpation": ("Palpation", 4000, True),
    "response": ("Response to the session", 4000, True),
    "sensations_note": ("Sensations, in the client's words", 2000, False),
    "adverse_reactions": ("Adverse reactions", 4000, True),
    "progress": ("Progress to goals", 4000, True),
    "next_visit": ("Next visit", 200, False),
    "frequency": ("Frequency", 200, False),
    "home_care": ("Home care", 4000, True),
    "referral": ("Referral", 4000, True),
}
SECTIONS: dict[str, tuple[str, ...]] = {
    "S": ("complaint", "changes_since_last", "health_changes"),
    "O": ("observation", "palpation"),
    "A": ("response", "sensations_note", "adverse_reactions", "progress"),
    "P": ("next_visit", "frequency", "home_care", "referral"),
}
PAIN_CHOICES = [("", "Not asked"), *[(str(i), str(i)) for i in range(11)]]
SEVERITY_CHOICES = [("1", "1"), ("2", "2"), ("3", "3")]  # 1 mild … 3 marked (legend says)
BLANK_STILL_POINTS = 2
BLANK_TECHNIQUES = 3
COPY_LABELS = {
    "complaint": "Complaint",
    "setup": "Position, attire and duration",
    "plan": "Plan (next visit, frequency, referral)",
    "home_care": "Home care",
    "tags": "Tags",
    "rhythm_findings": "Rhythm findings (palpation)",
    "restrictions": "Body map restrictions",
    "still_points": "Still points",
    "techniques": "Techniques (names and order)",
}

# Shorter words for the carry-forward control inside the note editor.
CARRY_LABELS = {
    "rhythm_findings": "Rhythm findings",
    "restrictions": "Body map",
    "techniques": "Techniques",
    "plan": "Plan",
    "complaint": "Complaint",
    "setup": "Position, attire, duration",
    "home_care": "Home care",
    "tags": "Tags",
    "still_points": "Still points",
}


def _blank(choices: Sequence[tuple[Any, str]], label: str = "—") -> list[tuple[Any, str]]:
    return [("", label), *choices]


def _int_or_none(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


@dataclass
class StationRow:
    station: ListeningStation
    prefix: str

    def field(self, form: forms.Form, name: str) -> forms.BoundField:
        return form[f"{self.prefix}-{name}"]


class NoteForm(forms.Form):
    """Everything on a draft note. Built for one clinic's stations and one note's rows."""

    pain_before = forms.TypedChoiceField(
        label="Pain before the session (0 to 10)",
        choices=PAIN_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    pain_after = forms.TypedChoiceField(
        label="Pain after the session (0 to 10)",
        choices=PAIN_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    client_position = forms.ChoiceField(
        label="Client position",
        choices=_blank(Position.choices, "Not recorded"),
        required=False,
        widget=forms.RadioSelect,
    )
    attire = forms.ChoiceField(
        label="Attire",
        choices=_blank(Attire.choices, "Not recorded"),
        required=False,
        widget=forms.RadioSelect,
    )
    sensations = forms.MultipleChoiceField(
        label="Sensations reported",
        choices=Sensation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label="Tags",
        required=False,
        max_length=300,
        help_text="Optional, separated by commas (e.g. tides, stillness, fulcrum).",
    )
    duration_minutes = forms.IntegerField(
        label="Session duration (minutes)", required=False, min_value=1, max_value=240
    )
    sensitive = forms.BooleanField(
        label="Author only (sensitive): only you see this note; the owner must give a reason",
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        stations: Sequence[ListeningStation],
        still_point_rows: int = BLANK_STILL_POINTS,
        technique_rows: int = BLANK_TECHNIQUES,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, (label, length, long) in TEXT_FIELDS.items():
            widget = forms.Textarea(attrs={"rows": 2}) if long else forms.TextInput()
            self.fields[name] = forms.CharField(
                label=label, max_length=length, required=False, widget=widget
            )
        # Rhythm findings: one row per station (palpation findings).
        self.station_rows = [StationRow(s, f"st-{s.pk}") for s in stations]
        for row in self.station_rows:
            p = row.prefix
            self.fields[f"{p}-rate"] = forms.DecimalField(
                label=f"Rate at {row.station.name} (cycles per minute)",
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(60),
                decimal_places=1,
                widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
            )
            self.fields[f"{p}-amplitude"] = forms.TypedChoiceField(
                label=f"Amplitude at {row.station.name}",
                choices=_blank(Amplitude.choices),
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"{p}-symmetry"] = forms.ChoiceField(
                label=f"Symmetry at {row.station.name}",
                choices=_blank(Symmetry.choices),
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"{p}-quality"] = forms.TypedChoiceField(
                label=f"Quality at {row.station.name}",
                choices=_blank(Quality.choices),
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"{p}-note"] = forms.CharField(
                label=f"Note at {row.station.name}", max_length=500, required=False
            )
        # Body map: one row per region.
        self.regions: list[Region] = list(REGIONS)
        for region in self.regions:
            p = f"r-{region.code}"
            self.fields[f"{p}-on"] = forms.BooleanField(label=region.label, required=False)
            self.fields[f"{p}-side"] = forms.ChoiceField(
                label=f"Side of {region.label}",
                choices=[(s, Side(s).label) for s in region.sides],
                required=False,
                initial=region.default_side,
            )
            self.fields[f"{p}-severity"] = forms.TypedChoiceField(
                label=f"Severity of {region.label}",
                choices=SEVERITY_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"{p}-note"] = forms.CharField(
                label=f"Note on {region.label}", max_length=500, required=False
            )
        # Still points and techniques: numbered rows.
        self.still_point_prefixes = [f"sp-{i}" for i in range(still_point_rows)]
        for n, p in enumerate(self.still_point_prefixes, start=1):
            self.fields[f"{p}-induced"] = forms.BooleanField(
                label=f"Still point {n} induced", required=False
            )
            self.fields[f"{p}-location"] = forms.ChoiceField(
                label=f"Still point {n}: where",
                choices=_blank(StillPointLocation.choices),
                required=False,
            )
            self.fields[f"{p}-duration_seconds"] = forms.IntegerField(
                label=f"Still point {n}: seconds",
                required=False,
                min_value=0,
                max_value=3600,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        self.technique_prefixes = [f"t-{i}" for i in range(technique_rows)]
        for n, p in enumerate(self.technique_prefixes, start=1):
            self.fields[f"{p}-position"] = forms.IntegerField(
                label=f"Order of technique {n}",
                required=False,
                min_value=1,
                max_value=200,
                initial=n,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            self.fields[f"{p}-name"] = forms.CharField(
                label=f"Technique {n}",
                max_length=120,
                required=False,
                widget=forms.TextInput(attrs={"list": "technique-names"}),
            )
            self.fields[f"{p}-duration_minutes"] = forms.IntegerField(
                label=f"Minutes for technique {n}",
                required=False,
                min_value=1,
                max_value=240,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            self.fields[f"{p}-response"] = forms.CharField(
                label=f"Response to technique {n}", max_length=500, required=False
            )
        self._prefix_of: dict[str, list[str]] = {}

    # --- rendering helpers ---------------------------------------------------------

    @property
    def sections(self) -> dict[str, list[forms.BoundField]]:
        """SOAP text fields by section letter, for the template (``form.sections.S``)."""
        return {key: [self[name] for name in names] for key, names in SECTIONS.items()}

    def region_groups(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """Regions under their group with their bound fields, for the restrictions list."""
        result = []
        for group, regions in grouped():
            rows = []
            for region in regions:
                p = f"r-{region.code}"
                rows.append(
                    {
                        "region": region,
                        "on": self[f"{p}-on"],
                        "side": self[f"{p}-side"],
                        "severity": self[f"{p}-severity"],
                        "note": self[f"{p}-note"],
                        "marked": bool(self[f"{p}-on"].value()),
                        "errors": [
                            e
                            for n in ("on", "side", "severity", "note")
                            for e in self[f"{p}-{n}"].errors
                        ],
                        "has_errors": any(
                            self[f"{p}-{n}"].errors for n in ("on", "side", "severity", "note")
                        ),
                    }
                )
            result.append((group.label, rows))
        return result

    def station_fields(self) -> list[dict[str, Any]]:
        """Per station: the rate, the three findings as rows of tap targets, the note."""
        return [
            {
                "station": row.station,
                "rate": row.field(self, "rate"),
                "choices": [
                    (short, row.field(self, name))
                    for name, short in (
                        ("amplitude", "Amplitude"),
                        ("symmetry", "Symmetry"),
                        ("quality", "Quality"),
                    )
                ],
                "note": row.field(self, "note"),
                "has_errors": any(
                    row.field(self, n).errors
                    for n in ("rate", "amplitude", "symmetry", "quality", "note")
                ),
            }
            for row in self.station_rows
        ]

    def still_point_fields(self) -> list[dict[str, forms.BoundField]]:
        return [
            {n: self[f"{p}-{n}"] for n in ("induced", "location", "duration_seconds")}
            for p in self.still_point_prefixes
        ]

    def technique_fields(self) -> list[dict[str, forms.BoundField]]:
        return [
            {n: self[f"{p}-{n}"] for n in ("position", "name", "duration_minutes", "response")}
            for p in self.technique_prefixes
        ]

    # --- to the service and back -----------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        """The cleaned form as ``save_draft`` data (call after ``is_valid()``)."""
        c = self.cleaned_data
        data: dict[str, Any] = {name: c.get(name, "") for name in TEXT_FIELDS}
        data.update(
            pain_before=c.get("pain_before"),
            pain_after=c.get("pain_after"),
            client_position=c.get("client_position") or "",
            attire=c.get("attire") or "",
            sensations=list(c.get("sensations") or []),
            tags=[t.strip()[:40] for t in (c.get("tags") or "").split(",") if t.strip()][:20],
            duration_minutes=c.get("duration_minutes"),
            sensitive=bool(c.get("sensitive")),
        )
        findings, finding_prefixes = [], []
        for row in self.station_rows:
            p = row.prefix
            values = {n: c.get(f"{p}-{n}") for n in ("rate", "amplitude", "symmetry", "quality")}
            note = c.get(f"{p}-note") or ""
            if all(v in (None, "") for v in values.values()) and not note:
                continue
            findings.append(
                {
                    "station_id": str(row.station.pk),
                    "rate": None if values["rate"] is None else str(values["rate"]),
                    "amplitude": values["amplitude"],
                    "symmetry": values["symmetry"] or "",
                    "quality": values["quality"],
                    "note": note,
                }
            )
            finding_prefixes.append(p)
        restrictions, restriction_prefixes = [], []
        for region in self.regions:
            p = f"r-{region.code}"
            if not c.get(f"{p}-on"):
                continue
            restrictions.append(
                {
                    "region": region.code,
                    "side": c.get(f"{p}-side") or region.default_side,
                    "severity": c.get(f"{p}-severity") or 1,
                    "note": c.get(f"{p}-note") or "",
                }
            )
            restriction_prefixes.append(p)
        still_points, still_prefixes = [], []
        for p in self.still_point_prefixes:
            location = c.get(f"{p}-location")
            seconds = c.get(f"{p}-duration_seconds")
            if not location and seconds is None and not c.get(f"{p}-induced"):
                continue
            still_points.append(
                {
                    "induced": bool(c.get(f"{p}-induced")),
                    "location": location or "",
                    "duration_seconds": seconds,
                }
            )
            still_prefixes.append(p)
        techniques: list[tuple[int, int, dict[str, Any], str]] = []
        for n, p in enumerate(self.technique_prefixes):
            name = (c.get(f"{p}-name") or "").strip()
            minutes = c.get(f"{p}-duration_minutes")
            response = c.get(f"{p}-response") or ""
            if not name and minutes is None and not response:
                continue
            order = c.get(f"{p}-position") or n + 1
            techniques.append(
                (
                    order,
                    n,
                    {"name": name, "duration_minutes": minutes, "response": response},
                    p,
                )
            )
        techniques.sort(key=lambda t: (t[0], t[1]))
        data.update(
            rhythm_findings=findings,
            restrictions=restrictions,
            still_points=still_points,
            techniques=[t[2] for t in techniques],
        )
        self._prefix_of = {
            "rhythm_findings": finding_prefixes,
            "restrictions": restriction_prefixes,
            "still_points": still_prefixes,
            "techniques": [t[3] for t in techniques],
        }
        return data

    def add_errors(self, exc: ValidationError) -> None:
        """Put a service's errors beside their fields (``kind.i.name`` → the row's field)."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            self.add_error(self.field_for(key), messages)

    def field_for(self, key: str) -> str | None:
        """The form field a service error key belongs to (None: the form as a whole)."""
        if key in self.fields:
            return key
        parts = key.split(".")
        if len(parts) >= 2 and parts[0] in self._prefix_of and parts[1].isdigit():
            prefixes = self._prefix_of[parts[0]]
            index = int(parts[1])
            if index < len(prefixes):
                name = {"station_id": "rate", "region": "on"}.get(
                    parts[2] if len(parts) > 2 else "", parts[2] if len(parts) > 2 else ""
                )
                candidates = [f"{prefixes[index]}-{name}"] if name else []
                candidates += [f"{prefixes[index]}-{n}" for n in ("on", "rate", "location", "name")]
                for candidate in candidates:
                    if candidate in self.fields:
                        return candidate
        return None


def initial_for(note: SessionNote, stations: Sequence[ListeningStation]) -> dict[str, Any]:
    """The form's starting values from a stored draft (rows prefetched on ``note``)."""
    initial: dict[str, Any] = {name: getattr(note, name) for name in TEXT_FIELDS}
    initial.update(
        pain_before="" if note.pain_before is None else str(note.pain_before),
        pain_after="" if note.pain_after is None else str(note.pain_after),
        client_position=note.client_position,
        attire=note.attire,
        sensations=list(note.sensations or []),
        tags=", ".join(note.tags or []),
        duration_minutes=note.duration_minutes,
        sensitive=note.sensitive,
    )
    for f in note.rhythm_findings.all():
        p = f"st-{f.station_id}"
        initial.update(
            {
                f"{p}-rate": f.rate,
                f"{p}-amplitude": f.amplitude,
                f"{p}-symmetry": f.symmetry,
                f"{p}-quality": f.quality,
                f"{p}-note": f.note_text,
            }
        )
    by_region: dict[str, list[Any]] = {}
    for r in note.restrictions.all():
        by_region.setdefault(r.region, []).append(r)
    for code, rows in by_region.items():
        p = f"r-{code}"
        sides = {r.side for r in rows}
        side = rows[0].side
        if {"left", "right"} <= sides:  # two rows of one paired bone: shown as both sides
            side = Side.BILATERAL.value
        initial.update(
            {
                f"{p}-on": True,
                f"{p}-side": side,
                f"{p}-severity": str(max(r.severity for r in rows)),
                f"{p}-note": "; ".join(r.note_text for r in rows if r.note_text),
            }
        )
    for i, s in enumerate(note.still_points.all()):
        p = f"sp-{i}"
        initial.update(
            {
                f"{p}-induced": s.induced,
                f"{p}-location": s.location,
                f"{p}-duration_seconds": s.duration_seconds,
            }
        )
    for i, t in enumerate(note.techniques.all()):
        p = f"t-{i}"
        initial.update(
            {
                f"{p}-position": i + 1,
                f"{p}-name": t.name,
                f"{p}-duration_minutes": t.duration_minutes,
                f"{p}-response": t.response,
            }
        )
    return initial


def rows_needed(note: SessionNote | None, posted: Any = None) -> tuple[int, int]:
    """How many still-point and technique rows to show: the stored ones plus blanks."""
    stills = len(note.still_points.all()) if note else 0
    techniques = len(note.techniques.all()) if note else 0
    if posted is not None:
        stills = max(stills, _count_rows(posted, "sp-", "-location") - BLANK_STILL_POINTS)
        techniques = max(techniques, _count_rows(posted, "t-", "-name") - BLANK_TECHNIQUES)
    return stills + BLANK_STILL_POINTS, techniques + BLANK_TECHNIQUES


def _count_rows(posted: Any, start: str, end: str) -> int:
    count = 0
    for key in posted:
        if key.startswith(start) and key.endswith(end):
            middle = key[len(start) : -len(end)]
            if middle.isdigit():
                count = max(count, int(middle) + 1)
    return min(count, 100)


class StartForm(forms.Form):
    """Starting a note: blank (from the service's template) or carrying chosen parts."""

    parts = forms.MultipleChoiceField(
        label="Carry forward from the previous signed note",
        choices=[(k, COPY_LABELS.get(k, k)) for k in COPY_PARTS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class UnscheduledForm(StartForm):
    seen_at = forms.DateTimeField(
        label="When was the session",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def clean_seen_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["seen_at"]
        from django.utils import timezone

        if value > timezone.now() + dt.timedelta(hours=1):
            raise ValidationError("A session is charted when it has happened.")
        return value


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum",
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Appended under the signed note with your name and the time; the note itself never changes.",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why are you opening this note?",
        max_length=500,
        help_text="Kept in the audit log with your name and the time.",
    )


class PdfForm(forms.Form):
    AUDIENCES = (("client", "The client"), ("provider", "Another provider"))
    audience = forms.ChoiceField(
        label="For", choices=AUDIENCES, initial="client", widget=forms.RadioSelect
    )
    recipient = forms.CharField(label="Recipient's name (optional)", max_length=120, required=False)
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end is before the start.")
        return data


def parse_int(value: Any) -> int | None:
    try:
        return _int_or_none(value)
    except (TypeError, ValueError):
        return None
