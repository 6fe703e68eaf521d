"""Writes for charting: start, autosave, copy forward, sign, add addenda; clinic setup.

Every function takes ``actor=`` first, checks the role (``clinical.edit`` to chart,
``clinic.manage`` for the clinic's stations, templates and policy), runs in one
transaction and writes the audit log. Notes are passed in already fetched through
``selectors`` (which decide who may see them); the services decide who may change
them: only a draft, and only its author.

A session that took place can always be documented: what screening still asks for
(consent, an intake, a clearance, an acknowledgement) is shown beside the note as paperwork
to follow up (``followups``), never a reason to leave the session unwritten. What is
refused (``ChartingRefused``, a ``Conflict``: HTTP 409 in the API) is a note for a session
that has not taken place: an appointment still requested, one that has not begun, an
unscheduled visit in the future, or an erased client (``charting_refusals``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.changes import apply_changes
from sacrum.access.models import AuditAction
from sacrum.charting import signing
from sacrum.charting.models import (
    DEFAULT_STATIONS,
    DEFAULT_TECHNIQUE_TEMPLATES,
    LOCKED_MESSAGE,
    SOAP_TEXT_FIELDS,
    Addendum,
    ChartingPolicy,
    ChartingPreference,
    ListeningStation,
    NoteStatus,
    NoteTemplate,
    Restriction,
    RhythmFinding,
    SessionNote,
    StillPoint,
    TechniqueEntry,
    TechniqueTemplate,
)
from sacrum.charting.regions import BY_CODE
from sacrum.charting.selectors import previous_signed_note
from sacrum.clients.models import Client
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Conflict, Forbidden
from sacrum.kernel.permissions import require
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.models import Appointment, AppointmentStatus, ServiceType
from sacrum.screening.gates import ERASED, charting_gate

# Scalar fields of a draft that save_draft may set.
NOTE_FIELDS = (
    *SOAP_TEXT_FIELDS,
    "seen_at",
    "pain_before",
    "pain_after",
    "client_position",
    "attire",
    "tags",
    "sensations",
    "duration_minutes",
    "sensitive",
)
# Lists under a note that save_draft replaces as a whole when present in ``data``.
NOTE_LISTS = ("rhythm_findings", "still_points", "restrictions", "techniques")

# What copy-forward can carry from the previous signed note, and exactly which fields.
COPY_PARTS: dict[str, tuple[str, ...]] = {
    "complaint": ("complaint",),
    "setup": ("client_position", "attire", "duration_minutes"),
    "plan": ("next_visit", "frequency", "referral"),
    "home_care": ("home_care",),
    "tags": ("tags",),
    "rhythm_findings": (),
    "restrictions": (),
    "still_points": (),
    "techniques": (),
}
NOT_CHARTABLE = ("cancelled", "no_show")


class ChartingRefused(Conflict):
    """No note for this session now: the reasons are the message, one per line."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = list(reasons)
        super().__init__(" ".join(self.reasons), {"client": " ".join(self.reasons)})


class NoteLocked(Conflict):
    """A signed note was asked to change (HTTP 409)."""

    def __init__(self) -> None:
        super().__init__(LOCKED_MESSAGE)


# --- Clinic setup -------------------------------------------------------------------


def ensure_defaults(clinic_id: Any, station_model: Any = None, template_model: Any = None) -> None:
    """Give a clinic the shipped stations and technique templates (on its creation).

    Only when it has none at all, so a clinic's own edits (renames, retired stations)
    are never undone. Idempotent and race-safe through the unique names. The models are
    parameters so the migration that installs them for existing clinics can pass its own.
    """
    stations: Any = station_model or ListeningStation
    templates: Any = template_model or TechniqueTemplate
    if not stations.objects.filter(clinic_id=clinic_id).exists():
        for position, name in enumerate(DEFAULT_STATIONS):
            stations.objects.get_or_create(
                clinic_id=clinic_id, name=name, defaults={"position": position}
            )
    if not templates.objects.filter(clinic_id=clinic_id).exists():
        for name, steps in DEFAULT_TECHNIQUE_TEMPLATES:
            templates.objects.get_or_create(
                clinic_id=clinic_id, name=name, defaults={"steps": list(steps), "shipped": True}
            )


@transaction.atomic
def update_policy(*, actor: StaffActor, data: Mapping[str, Any]) -> ChartingPolicy:
    require(actor, "clinic.manage")
    assert actor.member is not None
    policy, _ = ChartingPolicy.objects.get_or_create(clinic_id=actor.member.clinic_id)
    changed = apply_changes(policy, data, ("unsigned_alert_hours",))
    if changed:
        policy.save()
        audit.record(actor, AuditAction.UPDATE, policy)
    return policy


@transaction.atomic
def create_station(*, actor: StaffActor, data: Mapping[str, Any]) -> ListeningStation:
    require(actor, "clinic.manage")
    assert actor.member is not None
    ensure_defaults(actor.member.clinic_id)
    station = ListeningStation(clinic_id=actor.member.clinic_id)
    apply_changes(station, data, ("name", "position", "active"))
    station.save()
    audit.record(actor, AuditAction.CREATE, station)
    return station


@transaction.atomic
def update_station(
    *, actor: Actor, station: ListeningStation, data: Mapping[str, Any]
) -> ListeningStation:
    """Rename, reorder or retire a station (``active=False``); findings keep pointing at it."""
    require(actor, "clinic.manage")
    _same_clinic(actor, station.clinic_id)
    if apply_changes(station, data, ("name", "position", "active"), exclude_unique=True):
        station.save()
        audit.record(actor, AuditAction.UPDATE, station)
    return station


@transaction.atomic
def create_technique_template(*, actor: StaffActor, data: Mapping[str, Any]) -> TechniqueTemplate:
    require(actor, "clinic.manage")
    assert actor.member is not None
    template = TechniqueTemplate(clinic_id=actor.member.clinic_id)
    apply_changes(template, data, ("name", "steps", "active"))
    template.save()
    audit.record(actor, AuditAction.CREATE, template)
    return template


@transaction.atomic
def update_technique_template(
    *, actor: Actor, template: TechniqueTemplate, data: Mapping[str, Any]
) -> TechniqueTemplate:
    require(actor, "clinic.manage")
    _same_clinic(actor, template.clinic_id)
    if apply_changes(template, data, ("name", "steps", "active")):
        template.save()
        audit.record(actor, AuditAction.UPDATE, template)
    return template


@transaction.atomic
def save_note_template(
    *, actor: Actor, service: ServiceType, data: Mapping[str, Any]
) -> NoteTemplate:
    """Create or change the starting text of new notes for ``service``."""
    require(actor, "clinic.manage")
    _same_clinic(actor, service.clinic_id)
    template = NoteTemplate.objects.filter(service=service).first()
    created = template is None
    if template is None:
        template = NoteTemplate(clinic_id=service.clinic_id, service=service)
    fields = ("defaults", "client_position", "attire", "duration_minutes", "technique_template")
    changed = apply_changes(template, data, fields)
    if created or changed:
        template.save()
        audit.record(actor, AuditAction.CREATE if created else AuditAction.UPDATE, template)
    return template


# --- Notes --------------------------------------------------------------------------


def _same_clinic(actor: Actor, clinic_id: Any) -> None:
    if actor.member is None or actor.member.clinic_id != clinic_id:
        raise Forbidden("This belongs to another clinic.")


def _require_author(actor: StaffActor, note: SessionNote) -> None:
    require(actor, "clinical.edit")
    _same_clinic(actor, note.clinic_id)
    assert actor.member is not None
    if note.author_id != actor.member.pk:
        raise Forbidden("Only the note's author changes or signs it.")


REQUESTED = "This appointment is still a request: confirm it before charting the session."
AHEAD = "The session's time is still ahead. Chart it once it has taken place."


def charting_refusals(
    client: Client,
    *,
    appointment: Appointment | None = None,
    seen_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[str]:
    """Why no note can be started or signed now: only a session that took place is charted."""
    if client.erased_at is not None:
        return [ERASED]
    now = now or timezone.now()
    if appointment is not None:
        if appointment.status == AppointmentStatus.REQUESTED:
            return [REQUESTED]
        if appointment.start > now:
            starts = local(appointment.start, zone(appointment.location.time_zone))
            return [
                f"This session has not begun yet: it starts {starts:%a} {starts.day} "
                f"{starts:%b, %H:%M}. Chart it once it has taken place."
            ]
    elif seen_at is not None and seen_at > now:
        return [AHEAD]
    return []


def followups(client: Client) -> list[str]:
    """What screening still asks for: shown beside the note, settled on the client's record."""
    return [r for r in charting_gate(client) if r != ERASED]


def _refuse(reasons: list[str]) -> None:
    if reasons:
        raise ChartingRefused(reasons)


def _locked_draft(note: SessionNote) -> SessionNote:
    """Re-read the note under a row lock; a signed note (maybe signed a moment ago) is 409."""
    fresh = SessionNote.objects.select_for_update().get(pk=note.pk)
    if fresh.status != NoteStatus.DRAFT:
        raise NoteLocked()
    return fresh


def _check_appointment(actor: Actor, client: Client, appointment: Appointment | None) -> None:
    if appointment is None:
        return
    if appointment.clinic_id != client.clinic_id or appointment.client_id != client.pk:
        raise ValidationError({"appointment_id": "This appointment is not this client's."})
    if appointment.status in NOT_CHARTABLE:
        raise ValidationError(
            {"appointment_id": "A cancelled or missed appointment has no session to chart."}
        )
    if SessionNote.objects.filter(appointment=appointment).exists():
        raise Conflict(
            "This appointment already has a session note; open it instead.",
            {"appointment_id": "Already charted."},
        )


def _apply_template(note: SessionNote, appointment: Appointment | None) -> list[str]:
    """Fill a new note from its service's template; returns technique names to list."""
    if appointment is None:
        return []
    template = (
        NoteTemplate.objects.filter(service_id=appointment.service_id)
        .select_related("technique_template")
        .first()
    )
    service_minutes = appointment.service.duration_minutes
    if template is None:
        if service_minutes and service_minutes <= 240:
            note.duration_minutes = service_minutes
        return []
    for name, text in (template.defaults or {}).items():
        if name in SOAP_TEXT_FIELDS:
            setattr(note, name, text)
    note.client_position = template.client_position
    note.attire = template.attire
    note.duration_minutes = template.duration_minutes or (
        service_minutes if service_minutes and service_minutes <= 240 else None
    )
    steps = template.technique_template.steps if template.technique_template else []
    return [str(s) for s in steps]


@transaction.atomic
def start_note(
    *,
    actor: StaffActor,
    client: Client,
    appointment: Appointment | None = None,
    seen_at: dt.datetime | None = None,
) -> SessionNote:
    """A new draft for ``client`` by the actor, tied to ``appointment`` or unscheduled.

    Refused (``ChartingRefused``) for a session that has not taken place
    (``charting_refusals``); screening's open items do not stop it. A service's
    ``NoteTemplate`` fills the starting text and technique list; without one the
    duration is the service's. ``seen_at`` defaults to the appointment's start, or now.
    """
    require(actor, "clinical.edit")
    _same_clinic(actor, client.clinic_id)
    assert actor.member is not None
    _check_appointment(actor, client, appointment)
    _refuse(charting_refusals(client, appointment=appointment, seen_at=seen_at))
    ensure_defaults(client.clinic_id)
    note = SessionNote(
        clinic_id=client.clinic_id,
        client=client,
        appointment=appointment,
        author=actor.member,
        seen_at=seen_at or (appointment.start if appointment else timezone.now()),
    )
    technique_names = _apply_template(note, appointment)
    note.full_clean()
    note.save()
    TechniqueEntry.objects.bulk_create(
        TechniqueEntry(note=note, position=i, name=name[:120])
        for i, name in enumerate(technique_names)
    )
    audit.record(actor, AuditAction.CREATE, note)
    return note


@transaction.atomic
def copy_forward(
    *,
    actor: StaffActor,
    client: Client,
    parts: Iterable[str],
    appointment: Appointment | None = None,
    seen_at: dt.datetime | None = None,
    source: SessionNote | None = None,
) -> SessionNote:
    """A new draft carrying exactly the chosen ``parts`` of the previous signed note.

    ``parts`` are keys of ``COPY_PARTS``. Field parts copy exactly those fields; list
    parts copy the rows: rhythm findings (station, rate, amplitude, symmetry, quality,
    note), restrictions (region, side, severity, note), still points (induced, where,
    duration) and techniques (name and duration in order — not the response, which
    belongs to the session). Nothing else carries: no pains, no S/O/A text.
    ``source`` defaults to the newest signed note of the client the actor may read.
    """
    parts = list(dict.fromkeys(parts))
    unknown = [p for p in parts if p not in COPY_PARTS]
    if unknown:
        raise ValidationError({"parts": f"Cannot carry forward: {', '.join(unknown)}."})
    if source is None:
        source = previous_signed_note(actor, client)
    if source is None:
        raise Conflict(
            "There is no earlier signed note to copy from.", {"parts": "Nothing to copy."}
        )
    if source.client_id != client.pk or source.status != NoteStatus.SIGNED:
        raise ValidationError({"source": "Copy only from a signed note of this client."})
    note = start_note(actor=actor, client=client, appointment=appointment, seen_at=seen_at)
    for part in parts:
        for name in COPY_PARTS[part]:
            setattr(note, name, getattr(source, name))
    note.copied_from = source
    note.full_clean()
    note.save()
    if "techniques" in parts:
        TechniqueEntry.objects.filter(note=note).delete()
        TechniqueEntry.objects.bulk_create(
            TechniqueEntry(
                note=note, position=t.position, name=t.name, duration_minutes=t.duration_minutes
            )
            for t in source.techniques.all()
        )
    if "rhythm_findings" in parts:
        RhythmFinding.objects.bulk_create(
            RhythmFinding(
                note=note,
                station_id=f.station_id,
                rate=f.rate,
                amplitude=f.amplitude,
                symmetry=f.symmetry,
                quality=f.quality,
                note_text=f.note_text,
            )
            for f in source.rhythm_findings.all()
        )
    if "restrictions" in parts:
        Restriction.objects.bulk_create(
            Restriction(
                note=note, region=r.region, side=r.side, severity=r.severity, note_text=r.note_text
            )
            for r in source.restrictions.all()
        )
    if "still_points" in parts:
        StillPoint.objects.bulk_create(
            StillPoint(
                note=note,
                position=s.position,
                induced=s.induced,
                location=s.location,
                duration_seconds=s.duration_seconds,
            )
            for s in source.still_points.all()
        )
    audit.record(actor, AuditAction.READ, source)
    return note


def _valid_parts(parts: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(parts))
    unknown = [p for p in chosen if p not in COPY_PARTS]
    if unknown:
        raise ValidationError({"parts": f"Cannot carry forward: {', '.join(unknown)}."})
    return [p for p in COPY_PARTS if p in chosen]  # in the one order COPY_PARTS gives


def remember_carry_forward(*, actor: StaffActor, parts: Iterable[str]) -> ChartingPreference:
    """Keep the practitioner's choice of what a new note carries forward (per membership),
    so the next note starts with it and the editor shows it ticked."""
    require(actor, "clinical.edit")
    assert actor.member is not None
    chosen = _valid_parts(parts)
    preference, created = ChartingPreference.objects.get_or_create(
        member=actor.member, defaults={"carry_forward": chosen}
    )
    if created:
        audit.record(actor, AuditAction.CREATE, preference)
    elif preference.carry_forward != chosen:
        preference.carry_forward = chosen
        preference.save(update_fields=["carry_forward", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, preference)
    return preference


@transaction.atomic
def carry_into(
    *,
    actor: StaffActor,
    note: SessionNote,
    parts: Iterable[str],
    source: SessionNote | None = None,
) -> SessionNote:
    """Copy the chosen ``parts`` of the previous signed note into a draft, from the editor.

    Each chosen part replaces that part of the draft, exactly as ``copy_forward`` would
    have started it (techniques without their response); the rest of the draft stays.
    The choice is remembered for the author's next notes. Goes through ``save_draft``, so
    a signed note is refused and only the author may do it.
    """
    chosen = _valid_parts(parts)
    _require_author(actor, note)
    if source is None:
        source = previous_signed_note(actor, note.client, before=note.seen_at)
    if source is None:
        raise Conflict(
            "There is no earlier signed note to copy from.", {"parts": "Nothing to copy."}
        )
    if source.client_id != note.client_id or source.status != NoteStatus.SIGNED:
        raise ValidationError({"source": "Copy only from a signed note of this client."})
    data: dict[str, Any] = {}
    for part in chosen:
        for name in COPY_PARTS[part]:
            data[name] = getattr(source, name)
        if part in NOTE_LISTS:
            rows = _rows_of(source, part)
            if part == "techniques":
                rows = [{**row, "response": ""} for row in rows]
            data[part] = rows
    saved = save_draft(actor=actor, note=note, data=data)
    if chosen and saved.copied_from_id != source.pk:
        saved.copied_from = source
        saved.save(update_fields=["copied_from", "updated_at"])
    audit.record(actor, AuditAction.READ, source)
    remember_carry_forward(actor=actor, parts=chosen)
    return saved


# --- Rows under a note ------------------------------------------------------------


def _rows_of(note: SessionNote, kind: str) -> list[dict[str, Any]]:
    """The note's current rows of ``kind`` in the same shape ``data`` gives them."""
    if kind == "rhythm_findings":
        return [
            {
                "station_id": str(f.station_id),
                "rate": None if f.rate is None else Decimal(f.rate),
                "amplitude": f.amplitude,
                "symmetry": f.symmetry,
                "quality": f.quality,
                "note": f.note_text,
            }
            for f in RhythmFinding.objects.filter(note=note).order_by(
                "station__position", "station__name"
            )
        ]
    if kind == "restrictions":
        return [
            {"region": r.region, "side": r.side, "severity": r.severity, "note": r.note_text}
            for r in Restriction.objects.filter(note=note).order_by("region", "side")
        ]
    if kind == "still_points":
        return [
            {"induced": s.induced, "location": s.location, "duration_seconds": s.duration_seconds}
            for s in StillPoint.objects.filter(note=note).order_by("position")
        ]
    return [
        {"name": t.name, "duration_minutes": t.duration_minutes, "response": t.response}
        for t in TechniqueEntry.objects.filter(note=note).order_by("position")
    ]


def _decimal_or_none(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError("Give the rate as a number of cycles per minute.") from exc


def _build_rows(note: SessionNote, kind: str, items: Any) -> list[Any]:
    """Model rows for ``items`` (validated; errors keyed like ``restrictions.2.side``)."""
    if not isinstance(items, list):
        raise ValidationError({kind: "Give a list."})
    if len(items) > 100:
        raise ValidationError({kind: "At most 100 rows."})
    rows: list[Any] = []
    errors: dict[str, str] = {}
    stations: dict[str, ListeningStation] = {}
    if kind == "rhythm_findings":
        stations = {str(s.pk): s for s in ListeningStation.objects.filter(clinic_id=note.clinic_id)}
    seen: set[Any] = set()
    for i, item in enumerate(items):
        where = f"{kind}.{i}"
        if not isinstance(item, Mapping):
            errors[where] = "Give each row as an object."
            continue
        row: Any
        try:
            if kind == "rhythm_findings":
                station = stations.get(str(item.get("station_id")))
                if station is None:
                    errors[f"{where}.station_id"] = "Choose a listening station of this clinic."
                    continue
                if station.pk in seen:
                    errors[f"{where}.station_id"] = "One finding per station."
                    continue
                seen.add(station.pk)
                row = RhythmFinding(
                    note=note,
                    station=station,
                    rate=_decimal_or_none(item.get("rate")),
                    amplitude=item.get("amplitude"),
                    symmetry=item.get("symmetry") or "",
                    quality=item.get("quality"),
                    note_text=item.get("note") or "",
                )
            elif kind == "restrictions":
                region = item.get("region")
                side = item.get("side") or (
                    BY_CODE[region].default_side if region in BY_CODE else ""
                )
                if (region, side) in seen:
                    errors[where] = "This region and side are marked twice."
                    continue
                seen.add((region, side))
                row = Restriction(
                    note=note,
                    region=str(region or ""),
                    side=side,
                    severity=item.get("severity") or 1,
                    note_text=item.get("note") or "",
                )
            elif kind == "still_points":
                row = StillPoint(
                    note=note,
                    position=i,
                    induced=bool(item.get("induced", True)),
                    location=item.get("location") or "",
                    duration_seconds=item.get("duration_seconds"),
                )
            else:
                row = TechniqueEntry(
                    note=note,
                    position=i,
                    name=(item.get("name") or "").strip(),
                    duration_minutes=item.get("duration_minutes"),
                    response=item.get("response") or "",
                )
            row.full_clean(exclude=["note", "station"], validate_unique=False)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, messages in exc.message_dict.items():
                    name = {"note_text": "note"}.get(name, name)
                    errors[f"{where}.{name}"] = " ".join(messages)
            else:
                errors[where] = " ".join(exc.messages)
            continue
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    return rows


def _normalised(kind: str, items: list[Any]) -> list[dict[str, Any]] | None:
    """``items`` in ``_rows_of`` shape for comparison, or None when not comparable."""
    try:
        rows = []
        for item in items:
            if kind == "rhythm_findings":
                rows.append(
                    {
                        "station_id": str(item.get("station_id")),
                        "rate": _decimal_or_none(item.get("rate")),
                        "amplitude": item.get("amplitude"),
                        "symmetry": item.get("symmetry") or "",
                        "quality": item.get("quality"),
                        "note": item.get("note") or "",
                    }
                )
            elif kind == "restrictions":
                region = item.get("region")
                side = item.get("side") or (
                    BY_CODE[region].default_side if region in BY_CODE else ""
                )
                rows.append(
                    {
                        "region": region,
                        "side": side,
                        "severity": item.get("severity") or 1,
                        "note": item.get("note") or "",
                    }
                )
            elif kind == "still_points":
                rows.append(
                    {
                        "induced": bool(item.get("induced", True)),
                        "location": item.get("location") or "",
                        "duration_seconds": item.get("duration_seconds"),
                    }
                )
            else:
                rows.append(
                    {
                        "name": (item.get("name") or "").strip(),
                        "duration_minutes": item.get("duration_minutes"),
                        "response": item.get("response") or "",
                    }
                )
        if kind == "restrictions":
            rows.sort(key=lambda r: (str(r["region"]), str(r["side"])))
        return rows
    except (AttributeError, ValidationError, TypeError):
        return None


MODELS: dict[str, Any] = {
    "rhythm_findings": RhythmFinding,
    "restrictions": Restriction,
    "still_points": StillPoint,
    "techniques": TechniqueEntry,
}


@transaction.atomic
def save_draft(*, actor: StaffActor, note: SessionNote, data: Mapping[str, Any]) -> SessionNote:
    """Autosave: apply ``data`` to a draft; cheap to call every few seconds.

    ``data`` holds any of ``NOTE_FIELDS`` and, each replacing the whole list, any of
    ``NOTE_LISTS`` (``rhythm_findings``: station_id, rate, amplitude, symmetry,
    quality, note; ``restrictions``: region, side, severity, note; ``still_points``:
    induced, location, duration_seconds; ``techniques``: name, duration_minutes,
    response — in order). Only what differs is written; an unchanged call writes
    nothing and records nothing. A signed note is refused (``NoteLocked``, 409).
    """
    _require_author(actor, note)
    fresh = _locked_draft(note)
    scalars = {k: v for k, v in data.items() if k not in NOTE_LISTS}
    lists = {k: v for k, v in data.items() if k in NOTE_LISTS}
    changed = apply_changes(fresh, scalars, NOTE_FIELDS)
    replace: dict[str, list[Any]] = {}
    for kind, items in lists.items():
        if not isinstance(items, list):
            raise ValidationError({kind: "Give a list."})
        wanted = _normalised(kind, items)
        if wanted is not None and wanted == _rows_of(fresh, kind):
            continue
        replace[kind] = _build_rows(fresh, kind, items)
    if changed:
        fresh.save(update_fields=[*changed, "updated_at"])
    for kind, rows in replace.items():
        MODELS[kind].objects.filter(note=fresh).delete()
        MODELS[kind].objects.bulk_create(rows)
    if replace and not changed:
        fresh.save(update_fields=["updated_at"])
    if changed or replace:
        audit.record(actor, AuditAction.UPDATE, fresh)
    return fresh


@transaction.atomic
def sign_note(*, actor: StaffActor, note: SessionNote) -> SessionNote:
    """Sign and lock: who, when, the SHA-256 of the canonical content and its keyed seal.

    Only the author signs, only a draft, and only once the session has taken place
    (``charting_refusals``). The hash is computed from the rows as stored (read back
    inside the same transaction), so ``verify`` recomputes exactly the same bytes.
    The "sign" audit entry is what ``verify`` later holds the note table against.
    """
    _require_author(actor, note)
    fresh = _locked_draft(note)
    _refuse(charting_refusals(fresh.client, appointment=fresh.appointment, seen_at=fresh.seen_at))
    assert actor.member is not None
    now = timezone.now()
    fresh.signed_by = actor.member
    fresh.signed_at = now
    loaded = signing.notes_for_hashing(SessionNote.objects.filter(pk=fresh.pk)).get()
    loaded.signed_by_id = actor.member.pk
    loaded.signed_at = now
    digest = signing.note_hash(loaded)
    SessionNote.objects.filter(pk=fresh.pk, status=NoteStatus.DRAFT).update(
        status=NoteStatus.SIGNED,
        signed_by=actor.member,
        signed_at=now,
        content_hash=digest,
        seal=signing.seal(digest, "note"),
        updated_at=now,
    )
    fresh.refresh_from_db()
    audit.record(actor, AuditAction.SIGN, fresh)
    return fresh


@transaction.atomic
def delete_draft(*, actor: StaffActor, note: SessionNote) -> None:
    """Throw away a draft (its author only). A signed note is never deleted (409)."""
    _require_author(actor, note)
    fresh = _locked_draft(note)
    audit.record(actor, AuditAction.DELETE, fresh)
    fresh.delete()


@transaction.atomic
def add_addendum(*, actor: StaffActor, note: SessionNote, text: str) -> Addendum:
    """Append words to a signed note, with their own author, time and hash.

    Any practitioner or owner who may read the note may add one (a colleague's
    correction is theirs, signed by them). A draft is edited instead (409).
    """
    require(actor, "clinical.edit")
    _same_clinic(actor, note.clinic_id)
    assert actor.member is not None
    fresh = SessionNote.objects.select_for_update().get(pk=note.pk)
    if fresh.status != NoteStatus.SIGNED:
        raise Conflict("A draft is edited, not added to. Sign it first.")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write the addendum."})
    if len(text) > 8000:
        raise ValidationError({"text": "An addendum has at most 8000 characters."})
    addendum = Addendum(note=fresh, author=actor.member, created_at=timezone.now(), text=text)
    addendum.content_hash = signing.addendum_hash(addendum, fresh.content_hash)
    addendum.seal = signing.seal(addendum.content_hash, "addendum")
    addendum.full_clean()
    addendum.save(force_insert=True)
    audit.record(actor, AuditAction.CREATE, addendum)
    return addendum


def verify(*, clinic_id: Any = None) -> signing.VerifyReport:
    """Re-hash and check the seal of every signed note and addendum (of one clinic, or
    all), name those the audit log records but the database lost, and list every problem.

    Used by ``sacrum verify_notes`` (no actor: an operator's command) and by tests.
    """
    return signing.verify_all(clinic_id)
