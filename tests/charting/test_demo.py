"""The charting demo: signed history that matches the appointments, drafts, nobody gated."""

from __future__ import annotations

from typing import Any

from sacrum.charting import demo as charting_demo
from sacrum.charting import selectors, services
from sacrum.charting.models import NoteStatus, SessionNote
from sacrum.kernel.actor import Actor
from sacrum.screening.gates import charting_gate
from sacrum.web.demo import seed_demo


def test_demo_notes_follow_the_appointments_and_verify(db: Any) -> None:
    ctx = seed_demo(log=lambda _line: None)
    clinic = ctx["clinic"]
    notes = list(SessionNote.objects.filter(clinic=clinic).select_related("appointment", "client"))
    assert len(notes) > 50
    for note in notes:
        assert note.appointment is not None
        assert note.appointment.status == "completed"
        assert note.appointment.client_id == note.client_id
        assert note.author_id == note.appointment.practitioner_id
        assert note.seen_at == note.appointment.start
    charted = {n.client_id for n in notes}
    assert not [c for c in ctx["clients"] if c.pk in charted and charting_gate(c)]
    gated = [c for c in ctx["clients"] if charting_gate(c)]
    assert gated and not charted & {c.pk for c in gated}

    drafts = [n for n in notes if n.status == NoteStatus.DRAFT]
    assert len(drafts) == 2
    practitioner = Actor.system(ctx["members"]["practitioner"])
    assert len(selectors.overdue_drafts(practitioner)) >= 1
    report = services.verify(clinic_id=clinic.pk)
    assert report.ok and report.notes == len(notes) - 2
    # Each demo signing is in the audit log, so a deleted demo note would be named.
    assert report.sign_entries == report.notes and report.unaudited_notes == 0

    before = SessionNote.objects.count()
    assert charting_demo.seed(ctx) == "Charting: already present"
    assert SessionNote.objects.count() == before
