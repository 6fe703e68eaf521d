"""The demo clinic with what the demo leaves out: a final referral letter (its PDF
stored) and an addendum on a signed note, so every resource type has rows."""

from __future__ import annotations

import json
import pathlib
from typing import Any

from sacrum.charting import services as charting_services
from sacrum.charting.models import NoteStatus, SessionNote
from sacrum.clinics.models import Clinic, Membership
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.screening import letters
from sacrum.web.demo import seed_demo


def demo_clinic() -> tuple[Clinic, StaffActor]:
    ctx = seed_demo(log=lambda _line: None)
    clinic: Clinic = ctx["clinic"]
    owner = Membership.objects.get(clinic=clinic, role="owner")
    actor = Actor.system(owner)
    note = SessionNote.objects.filter(clinic=clinic, status=NoteStatus.SIGNED).first()
    assert note is not None
    author = Actor.system(note.author)
    charting_services.add_addendum(
        actor=author, note=note, text="Phoned two days later: slept well."
    )
    letter = letters.draft_letter(actor=actor, client=note.client, alerts=[])
    letters.update_letter(actor=actor, letter=letter, data={"reason": "Headaches for a month."})
    letters.finalize(actor=actor, letter=letter, how="print")
    letters.draft_letter(actor=actor, client=note.client, alerts=[])  # a draft stays a draft
    return clinic, actor


def read_ndjson(folder: pathlib.Path) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.ndjson")):
        found[path.stem] = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    return found


def references(node: Any) -> list[str]:
    """Every ``reference`` value anywhere in a resource."""
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        for value in node.values():
            found += references(value)
        return found
    if isinstance(node, list):
        return [r for item in node for r in references(item)]
    return []
