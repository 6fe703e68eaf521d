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

The hash alone has no key: anyone who can write the database could change a note and
store the new hash. So each hash is also *sealed*: an HMAC-SHA256 of the hash with a
key derived from the server's ``SECRET_KEY`` (``seal``), which is not in the database.
Verification accepts the current key and ``SECRET_KEY_FALLBACKS`` and says which one
matched. It also reads the append-only audit log: every "sign" entry must still have
its signed note, every addendum's "create" entry its addendum (``verify_all``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils.crypto import constant_time_compare, salted_hmac

from sacrum.access.models import AuditAction, AuditEntry
from sacrum.charting.models import (
    SOAP_TEXT_FIELDS,
    Addendum,
    NoteStatus,
    RhythmFinding,
    SessionNote,
)

FORMAT = "sacrum-note-1"
ADDENDUM_FORMAT = "sacrum-addendum-1"

# Seals of notes and of addenda use different keys, so one can't pass for the other.
SEAL_SALTS = {
    "note": "sacrum.charting.seal.note-1",
    "addendum": "sacrum.charting.seal.addendum-1",
}
CURRENT_KEY = "the current SECRET_KEY"


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


def seal(content_hash: str, kind: str, secret: str | None = None) -> str:
    """HMAC-SHA256 (hex) of a stored hash, keyed by ``SECRET_KEY`` (or ``secret``).

    Only someone holding the server's secret key can make a seal that verifies, so a
    note changed in the database and given a freshly computed hash is caught.
    """
    return salted_hmac(
        SEAL_SALTS[kind], content_hash, secret=secret, algorithm="sha256"
    ).hexdigest()


def seal_keys() -> list[tuple[str, str]]:
    """The keys a seal may have been made with, by name: current first, then fallbacks."""
    keys = [(CURRENT_KEY, str(settings.SECRET_KEY))]
    fallbacks = getattr(settings, "SECRET_KEY_FALLBACKS", []) or []
    keys += [(f"SECRET_KEY_FALLBACKS[{i}]", str(key)) for i, key in enumerate(fallbacks)]
    return keys


def sealed_by(content_hash: str, kind: str, stored_seal: str) -> str | None:
    """The name of the key that made ``stored_seal``, or None when no known key did."""
    if not stored_seal:
        return None
    for name, secret in seal_keys():
        if constant_time_compare(seal(content_hash, kind, secret), stored_seal):
            return name
    return None


# What verification can find, by ``Mismatch.kind``.
PROBLEMS = {
    "note": "its content no longer matches the hash stored at signing",
    "addendum": "its text no longer matches the hash stored when it was added",
    "note_seal": (
        "its hash matches its content but not its keyed seal: the note was changed and "
        "re-hashed without the server's key (or sealed with a key no longer configured)"
    ),
    "addendum_seal": (
        "its hash matches its text but not its keyed seal: changed and re-hashed without "
        "the server's key (or sealed with a key no longer configured)"
    ),
    "missing_note": "the audit log records its signing but the note is gone from the database",
    "unsigned_note": "the audit log records its signing but the note is now a draft",
    "missing_addendum": "the audit log records it but the addendum is gone from the database",
}


@dataclass(frozen=True)
class Mismatch:
    """Evidence that a locked row was changed or deleted behind the application's back."""

    kind: str  # a key of PROBLEMS
    object_id: str
    note_id: str
    stored: str = ""
    computed: str = ""
    clinic_id: str = ""
    detail: str = ""

    def describe(self) -> str:
        what = "addendum" if "addendum" in self.kind else "note"
        where = f" (note {self.note_id})" if what == "addendum" and self.note_id else ""
        text = f"{what} {self.object_id}{where}: {PROBLEMS[self.kind]}"
        if self.kind in ("note", "addendum"):
            text += f" (stored {self.stored[:12]}…, content now hashes to {self.computed[:12]}…)"
        if self.detail:
            text += f"; {self.detail}"
        return text


@dataclass(frozen=True)
class VerifyReport:
    """What was checked and what was found. ``keys`` counts valid seals by key name."""

    notes: int
    addenda: int
    mismatches: tuple[Mismatch, ...]
    keys: tuple[tuple[str, int], ...] = ()
    sign_entries: int = 0
    addendum_entries: int = 0
    unaudited_notes: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _check_one(
    kind: str, obj: Any, computed: str, note_id: str, clinic_id: str, keys: dict[str, int]
) -> Mismatch | None:
    """One problem at most per row: a changed content first, else a seal that doesn't fit."""
    if computed != obj.content_hash:
        return Mismatch(kind, str(obj.pk), note_id, obj.content_hash, computed, clinic_id=clinic_id)
    key = sealed_by(obj.content_hash, kind, obj.seal)
    if key is None:
        detail = "" if obj.seal else "it has no seal at all"
        return Mismatch(
            f"{kind}_seal", str(obj.pk), note_id, obj.content_hash, computed, clinic_id, detail
        )
    keys[key] = keys.get(key, 0) + 1
    return None


def check(notes: Iterable[SessionNote], keys: dict[str, int] | None = None) -> VerifyReport:
    """Re-hash each signed note (and its addenda), check the seals, list every problem."""
    mismatches: list[Mismatch] = []
    keys = {} if keys is None else keys
    count_notes = count_addenda = 0
    for note in notes:
        if note.status != NoteStatus.SIGNED:
            continue
        count_notes += 1
        clinic_id = str(note.clinic_id)
        found = _check_one("note", note, note_hash(note), str(note.pk), clinic_id, keys)
        if found is not None:
            mismatches.append(found)
        for addendum in note.addenda.all():
            count_addenda += 1
            expected = addendum_hash(addendum, note.content_hash)
            found = _check_one("addendum", addendum, expected, str(note.pk), clinic_id, keys)
            if found is not None:
                mismatches.append(found)
    return VerifyReport(count_notes, count_addenda, tuple(mismatches), tuple(keys.items()))


def _audited(action: str, object_type: str, clinic_id: Any) -> dict[str, tuple[str, str]]:
    """Object id → (clinic id, when) of each audit entry of ``action`` on ``object_type``."""
    entries = AuditEntry.objects.filter(action=action, object_type=object_type)
    if clinic_id is not None:
        entries = entries.filter(clinic_id=clinic_id)
    return {
        object_id: (str(clinic or ""), _when(at) or "")
        for object_id, clinic, at in entries.order_by("id").values_list(
            "object_id", "clinic_id", "at"
        )
    }


def _cross_check(clinic_id: Any, signed_ids: set[str]) -> tuple[list[Mismatch], int, int, int]:
    """Audit entries of signing and of addenda whose rows are gone (or no longer signed)."""
    problems: list[Mismatch] = []
    signings = _audited(AuditAction.SIGN, "sessionnote", clinic_id)
    absent = [object_id for object_id in signings if object_id not in signed_ids]
    drafts: set[str] = set()
    wanted = _valid_ids(absent)
    for start in range(0, len(wanted), 500):  # SQLite limits the parameters of one query
        found = SessionNote.objects.filter(pk__in=wanted[start : start + 500])
        drafts |= {str(pk) for pk in found.values_list("pk", flat=True)}
    for object_id in absent:
        clinic, at = signings[object_id]
        kind = "unsigned_note" if object_id in drafts else "missing_note"
        problems.append(
            Mismatch(kind, object_id, object_id, clinic_id=clinic, detail=f"'sign' entry of {at}")
        )
    written = _audited(AuditAction.CREATE, "addendum", clinic_id)
    addenda = Addendum.objects.all()
    if clinic_id is not None:
        addenda = addenda.filter(note__clinic_id=clinic_id)
    present = {str(pk) for pk in addenda.values_list("pk", flat=True)}
    for object_id, (clinic, at) in written.items():
        if object_id not in present:
            problems.append(
                Mismatch(
                    "missing_addendum",
                    object_id,
                    "",
                    clinic_id=clinic,
                    detail=f"'create' entry of {at}",
                )
            )
    unaudited = len(signed_ids - set(signings))
    return problems, len(signings), len(written), unaudited


def _valid_ids(values: Iterable[str]) -> list[uuid.UUID]:
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


def verify_all(clinic_id: Any = None, chunk_size: int = 500) -> VerifyReport:
    """Check every signed note (of one clinic, or all) and the audit log's record of them.

    Re-hashes notes and addenda in chunks of a constant number of queries each, checks
    every seal against the known keys, then names each note the audit log says was
    signed that is missing or no longer signed, and each recorded addendum that is gone.
    """
    queryset = SessionNote.objects.filter(status=NoteStatus.SIGNED).order_by("pk")
    if clinic_id is not None:
        queryset = queryset.filter(clinic_id=clinic_id)
    notes = addenda = 0
    mismatches: list[Mismatch] = []
    keys: dict[str, int] = {}
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), chunk_size):
        chunk = notes_for_hashing(
            SessionNote.objects.filter(pk__in=ids[start : start + chunk_size])
        )
        report = check(chunk, keys)
        notes += report.notes
        addenda += report.addenda
        mismatches.extend(report.mismatches)
    gone, sign_entries, addendum_entries, unaudited = _cross_check(
        clinic_id, {str(pk) for pk in ids}
    )
    mismatches.extend(gone)
    return VerifyReport(
        notes,
        addenda,
        tuple(mismatches),
        tuple(keys.items()),
        sign_entries,
        addendum_entries,
        unaudited,
    )
