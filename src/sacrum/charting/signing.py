"""The canonical content of a signed note, its SHA-256, and re-checking every stored hash.

The canonical form is JSON with sorted keys, no spaces and UTF-8, of every field of
the note that a reader relies on (SOAP text, pains, duration, position, the signer and
time) and of every row under it (rhythm findings, still points, restrictions,
techniques) in a fixed order. Values are normalised so the same content always gives
the same bytes on SQLite and PostgreSQL: ids as text, datetimes as UTC ISO-8601 with
microseconds, decimals with one decimal place. ``FORMAT`` names the rules; a future
change of the rules bumps it and stays able to check old notes.

An addendum's hash covers its own text, author and time and the note's hash, so an
addendum cannot be moved to another note or survive a change of the note unnoticed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from sacrum.charting.models import (
    SOAP_TEXT_FIELDS,
    Addendum,
    NoteStatus,
    RhythmFinding,
    SessionNote,
)

FORMAT = "sacrum-note-1"
ADDENDUM_FORMAT = "sacrum-addendum-1"

# Trigger names (migration 0002) that lock the note table, by database vendor.
TRIGGERS = {
    "postgresql": {"charting_sessionnote": "charting_sessionnote_locked"},
    "sqlite": {"charting_sessionnote": "charting_sessionnote_locked"},
}


def _when(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value):.1f}"


def canonical_content(note: SessionNote) -> dict[str, Any]:
    """Everything a signed note says, as plain JSON values in a fixed order.

    Reads the note's rows through ``rhythm_findings``, ``still_points``,
    ``restrictions`` and ``techniques`` (prefetch them for many notes, see
    ``notes_for_hashing``); sorts them itself so prefetch order does not matter.
    """
    findings = sorted(
        note.rhythm_findings.all(),
        key=lambda f: (f.station.position, f.station.name, str(f.station_id)),
    )
    still_points = sorted(note.still_points.all(), key=lambda s: (s.position, str(s.pk)))
    restrictions = sorted(note.restrictions.all(), key=lambda r: (r.region, r.side))
    techniques = sorted(note.techniques.all(), key=lambda t: t.position)
    content: dict[str, Any] = {
        "format": FORMAT,
        "id": _id(note.pk),
        "clinic": _id(note.clinic_id),
        "client": _id(note.client_id),
        "appointment": _id(note.appointment_id),
        "author": _id(note.author_id),
        "seen_at": _when(note.seen_at),
        "signed_by": _id(note.signed_by_id),
        "signed_at": _when(note.signed_at),
        "pain_before": note.pain_before,
        "pain_after": note.pain_after,
        "client_position": note.client_position,
        "attire": note.attire,
        "tags": list(note.tags or []),
        "sensations": list(note.sensations or []),
        "duration_minutes": note.duration_minutes,
        "sensitive": note.sensitive,
        "rhythm_findings": [
            {
                "station": _id(f.station_id),
                "station_name": f.station.name,
                "rate": _decimal(f.rate),
                "amplitude": f.amplitude,
                "symmetry": f.symmetry,
                "quality": f.quality,
                "note": f.note_text,
            }
            for f in findings
        ],
        "still_points": [
            {
                "position": s.position,
                "induced": s.induced,
                "location": s.location,
                "duration_seconds": s.duration_seconds,
            }
            for s in still_points
        ],
        "restrictions": [
            {"region": r.region, "side": r.side, "severity": r.severity, "note": r.note_text}
            for r in restrictions
        ],
        "techniques": [
            {
                "position": t.position,
                "name": t.name,
                "duration_minutes": t.duration_minutes,
                "response": t.response,
            }
            for t in techniques
        ],
    }
    for name in SOAP_TEXT_FIELDS:
        content[name] = getattr(note, name)
    return content


def canonical_bytes(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def note_hash(note: SessionNote) -> str:
    """SHA-256 (hex) of the note's canonical content."""
    return hashlib.sha256(canonical_bytes(canonical_content(note))).hexdigest()


def addendum_content(addendum: Addendum, note_content_hash: str) -> dict[str, Any]:
    return {
        "format": ADDENDUM_FORMAT,
        "id": _id(addendum.pk),
        "note": _id(addendum.note_id),
        "note_hash": note_content_hash,
        "author": _id(addendum.author_id),
        "created_at": _when(addendum.created_at),
        "text": addendum.text,
    }


def addendum_hash(addendum: Addendum, note_content_hash: str) -> str:
    return hashlib.sha256(
        canonical_bytes(addendum_content(addendum, note_content_hash))
    ).hexdigest()


def notes_for_hashing(queryset: Any) -> Any:
    """The rows a hash needs, in a constant number of queries however many notes."""
    return queryset.prefetch_related(
        Prefetch("rhythm_findings", queryset=RhythmFinding.objects.select_related("station")),
        "still_points",
        "restrictions",
        "techniques",
        "addenda",
    )


@dataclass(frozen=True)
class Mismatch:
    """A stored hash that no longer matches the content: something changed a locked row."""

    kind: str  # "note" or "addendum"
    object_id: str
    note_id: str
    stored: str
    computed: str

    def describe(self) -> str:
        return (
            f"{self.kind} {self.object_id} (note {self.note_id}): stored hash "
            f"{self.stored[:12]}…, content now hashes to {self.computed[:12]}…"
        )


@dataclass(frozen=True)
class VerifyReport:
    notes: int
    addenda: int
    mismatches: tuple[Mismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def check(notes: Iterable[SessionNote]) -> VerifyReport:
    """Re-hash each signed note (and its addenda) and list every mismatch."""
    mismatches: list[Mismatch] = []
    count_notes = count_addenda = 0
    for note in notes:
        if note.status != NoteStatus.SIGNED:
            continue
        count_notes += 1
        computed = note_hash(note)
        if computed != note.content_hash:
            mismatches.append(
                Mismatch("note", str(note.pk), str(note.pk), note.content_hash, computed)
            )
        for addendum in note.addenda.all():
            count_addenda += 1
            expected = addendum_hash(addendum, note.content_hash)
            if expected != addendum.content_hash:
                mismatches.append(
                    Mismatch(
                        "addendum", str(addendum.pk), str(note.pk), addendum.content_hash, expected
                    )
                )
    return VerifyReport(count_notes, count_addenda, tuple(mismatches))


def verify_all(clinic_id: Any = None, chunk_size: int = 500) -> VerifyReport:
    """Check every signed note (of one clinic, or all), in chunks of constant queries each."""
    queryset = SessionNote.objects.filter(status=NoteStatus.SIGNED).order_by("pk")
    if clinic_id is not None:
        queryset = queryset.filter(clinic_id=clinic_id)
    notes = addenda = 0
    mismatches: list[Mismatch] = []
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        chunk = notes_for_hashing(
            SessionNote.objects.filter(pk__in=ids[start : start + chunk_size])
        )
        report = check(chunk)
        notes += report.notes
        addenda += report.addenda
        mismatches.extend(report.mismatches)
    return VerifyReport(notes, addenda, tuple(mismatches))
