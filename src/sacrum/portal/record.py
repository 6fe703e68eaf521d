"""The session-notes part of a client's record: signed notes and their addenda as the
client reads them (JSON), in the clinic's time zone.

Only signed notes: a draft is the practitioner's working copy and is never handed out.
Author-only notes are included: "author only" keeps a note from the author's colleagues,
not from the person it is about (see docs/portal.md, "Session notes in the record").
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass
from typing import Any

from sacrum.charting.models import Addendum, SessionNote
from sacrum.charting.regions import label as region_label
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic
from sacrum.portal.models import PortalAccount
from sacrum.scheduling.local_time import local

PALPATION_NOTE = (
    "Rhythm findings and restrictions are the practitioner's palpation findings; they "
    "vary between examiners and are not measurements."
)


def _name(member: Any) -> str:
    """The name the charting PDF prints (the login's display name, already selected)."""
    return str(member.user.display_name)


def _when(value: dt.datetime | None, zone: zoneinfo.ZoneInfo) -> str | None:
    return None if value is None else local(value, zone).isoformat()


def addendum_dict(addendum: Addendum, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    return {
        "written_by": _name(addendum.author),
        "written_at": _when(addendum.created_at, zone),
        "text": addendum.text,
        "content_hash_sha256": addendum.content_hash,
    }


def note_dict(note: SessionNote, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """One signed note with everything under it (rows and addenda prefetched)."""
    appointment = note.appointment if note.appointment_id else None
    return {
        "id": str(note.pk),
        "seen_at": _when(note.seen_at, zone),
        "service": appointment.service.name if appointment is not None else "",
        "practitioner": _name(note.author),
        "duration_minutes": note.duration_minutes,
        "client_position": note.get_client_position_display() if note.client_position else "",
        "attire": note.get_attire_display() if note.attire else "",
        "subjective": {
            "complaint": note.complaint,
            "changes_since_last_visit": note.changes_since_last,
            "health_or_medication_changes": note.health_changes,
            "pain_before_0_to_10": note.pain_before,
        },
        "objective": {
            "observation": note.observation,
            "palpation": note.palpation,
            "palpation_findings_note": PALPATION_NOTE,
            "rhythm_findings": [
                {
                    "station": f.station.name,
                    "rate_cycles_per_minute": None if f.rate is None else str(f.rate),
                    "amplitude": f.get_amplitude_display() if f.amplitude else "",
                    "symmetry": f.get_symmetry_display() if f.symmetry else "",
                    "quality": f.get_quality_display() if f.quality else "",
                    "note": f.note_text,
                }
                for f in note.rhythm_findings.all()
            ],
            "restrictions": [
                {
                    "region": region_label(r.region, r.side),
                    "severity_1_to_3": r.severity,
                    "note": r.note_text,
                }
                for r in note.restrictions.all()
            ],
            "still_points": [
                {
                    "induced": s.induced,
                    "location": s.get_location_display(),
                    "duration_seconds": s.duration_seconds,
                }
                for s in note.still_points.all()
            ],
            "techniques": [
                {
                    "order": i,
                    "name": t.name,
                    "duration_minutes": t.duration_minutes,
                    "response": t.response,
                }
                for i, t in enumerate(note.techniques.all(), start=1)
            ],
        },
        "assessment": {
            "response": note.response,
            "pain_after_0_to_10": note.pain_after,
            "sensations": list(note.sensations or []),
            "in_your_words": note.sensations_note,
            "adverse_reactions": note.adverse_reactions,
            "progress_to_goals": note.progress,
        },
        "plan": {
            "next_visit": note.next_visit,
            "frequency": note.frequency,
            "home_care": note.home_care,
            "referral": note.referral,
        },
        "signed_by": _name(note.signed_by) if note.signed_by is not None else "",
        "signed_at": _when(note.signed_at, zone),
        "content_hash_sha256": note.content_hash,
        "addenda": [addendum_dict(a, zone) for a in note.addenda.all()],
    }


@dataclass(frozen=True)
class Subject:
    """A client whose record staff copy (a request by post): the client may have no
    portal account, so the record's reads take this or a ``PortalAccount``."""

    client: Client

    @property
    def client_id(self) -> uuid.UUID:
        return self.client.pk

    @property
    def clinic(self) -> Clinic:
        return self.client.clinic


Holder = PortalAccount | Subject
