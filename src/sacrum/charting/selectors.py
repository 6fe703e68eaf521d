"""Reads of session notes. Clinical only (never the front desk); every read audited.

Who sees a note: clinical staff of its clinic, except an "author only" (sensitive)
note, which only its author sees — and the owner, who must give a reason each time
they open it (stored in ``SensitiveAccess`` and audited). Other practitioners don't
see that such a note exists. Lists return notes in a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.charting.models import (
    Addendum,
    ChartingPolicy,
    ChartingPreference,
    ImportedNote,
    ListeningStation,
    NoteStatus,
    NoteTemplate,
    RhythmFinding,
    SensitiveAccess,
    SessionNote,
    TechniqueTemplate,
)
from sacrum.clients.models import Client
from sacrum.clients.selectors import require_clinical
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Forbidden
from sacrum.scheduling.models import Appointment, AppointmentStatus


class ReasonRequired(Forbidden):
    """The owner opens an "author only" note: they must say why (the page asks)."""


NOTES_ONLY = "Session notes are for practitioners and owners only."
SENSITIVE_MESSAGE = (
    "This note is marked author only. As the clinic's owner you may open it "
    "by giving a reason, which is kept in the audit log."
)


def _is_owner(actor: Actor) -> bool:
    return bool(actor.member and actor.member.is_owner)


def visible_notes(actor: StaffActor) -> QuerySet[SessionNote]:
    """Notes of the actor's clinic the actor may know exist (sensitive: author and owner)."""
    require_clinical(actor, message=NOTES_ONLY)
    assert actor.member is not None
    notes = SessionNote.objects.for_member(actor.member, "view")
    if not _is_owner(actor):
        notes = notes.filter(Q(sensitive=False) | Q(author=actor.member))
    return notes


def may_read_content(actor: Actor, note: SessionNote) -> bool:
    """Whether the actor reads this note's content without giving a reason."""
    return not note.sensitive or bool(actor.member and note.author_id == actor.member.pk)


def with_everything(notes: QuerySet[SessionNote]) -> QuerySet[SessionNote]:
    """A note with all it shows, in a fixed number of queries however many notes."""
    return notes.select_related(
        "client", "author__user", "signed_by__user", "appointment__service"
    ).prefetch_related(
        Prefetch("rhythm_findings", queryset=RhythmFinding.objects.select_related("station")),
        "still_points",
        "restrictions",
        "techniques",
        Prefetch("addenda", queryset=Addendum.objects.select_related("author__user")),
    )


def note_for(
    actor: StaffActor, note_id: uuid.UUID | str, *, reason: str = "", audited: bool = True
) -> SessionNote:
    """One note with everything under it; 404 outside reach; audited as a read.

    An "author only" note opened by the owner needs ``reason`` (else ``ReasonRequired``);
    the reason is stored and the read audited. Everyone else but its author gets 404.
    """
    note = get_scoped_or_404(with_everything(visible_notes(actor)), pk=note_id)
    if not may_read_content(actor, note):
        reason = (reason or "").strip()
        if not reason:
            raise ReasonRequired(SENSITIVE_MESSAGE)
        assert actor.member is not None
        access = SensitiveAccess.objects.create(note=note, member=actor.member, reason=reason[:500])
        audit.record(actor, AuditAction.READ, access, clinic=actor.clinic)
    if audited:
        audit.record(actor, AuditAction.READ, note)
    return note


def note_for_edit(actor: StaffActor, note_id: uuid.UUID | str) -> SessionNote:
    """A note its author is about to change (no content read is audited here: the write is)."""
    require_clinical(actor, message=NOTES_ONLY)
    assert actor.member is not None
    return get_scoped_or_404(
        visible_notes(actor).filter(author=actor.member).select_related("client"), pk=note_id
    )


def notes_of(actor: StaffActor, client: Client, *, audited: bool = True) -> list[SessionNote]:
    """The client's notes the actor may know of, newest first, with everything under them.

    Sensitive notes of others (only the owner gets them) come back too; show them as
    "author only" without content unless ``may_read_content``.
    """
    notes = list(with_everything(visible_notes(actor).filter(client=client)))
    if audited:
        audit.record(actor, AuditAction.LIST, client, object_type="sessionnote")
    return notes


def timeline(actor: StaffActor, client: Client) -> list[SessionNote]:
    """Notes for the chart view, oldest first, annotated with ``restriction_count``."""
    notes = (
        visible_notes(actor)
        .filter(client=client)
        .select_related("author__user")
        .annotate(restriction_count=Count("restrictions"))
        .prefetch_related(
            Prefetch("rhythm_findings", queryset=RhythmFinding.objects.select_related("station"))
        )
        .order_by("seen_at")
    )
    result: list[SessionNote] = list(notes)
    audit.record(actor, AuditAction.LIST, client, object_type="sessionnote")
    return result


def imported_notes(actor: StaffActor, client: Client) -> dict[str, list[ImportedNote]]:
    """Notes signed in the system the clinic left, by that system's name, newest first.

    Clinical (never the front desk's); each listing is audited like the timeline."""
    notes = ImportedNote.objects.for_member(actor.member, "view").filter(client=client)
    grouped: dict[str, list[ImportedNote]] = {}
    for note in notes.order_by("source_system", "-session_date", "title"):
        grouped.setdefault(note.source_system, []).append(note)
    if grouped:
        audit.record(actor, AuditAction.LIST, client, object_type="importednote")
    return grouped


def _signed_before(
    actor: StaffActor, client: Client, before: dt.datetime | None
) -> QuerySet[SessionNote]:
    """Signed notes of ``client`` whose content the actor may read, newest first."""
    assert actor.member is not None
    notes = visible_notes(actor).filter(client=client, status=NoteStatus.SIGNED)
    notes = notes.filter(Q(sensitive=False) | Q(author=actor.member))
    if before is not None:
        notes = notes.filter(seen_at__lt=before)
    return notes.order_by("-seen_at")


def previous_signed_note(
    actor: StaffActor, client: Client, before: dt.datetime | None = None
) -> SessionNote | None:
    """The newest signed note of ``client`` whose content the actor may read (copy-forward)."""
    return with_everything(_signed_before(actor, client, before)).first()


def carry_forward_choice(actor: StaffActor) -> list[str]:
    """The parts of the last signed note this practitioner chose to carry forward last time
    (``services.COPY_PARTS`` keys); empty until they first choose."""
    if actor.member is None:
        return []
    parts = (
        ChartingPreference.objects.filter(member=actor.member)
        .values_list("carry_forward", flat=True)
        .first()
    )
    return [str(p) for p in parts or []]


def previous_with_restrictions(actor: StaffActor, note: SessionNote) -> SessionNote | None:
    """The last signed session before ``note`` with only its restrictions: the editor's
    faded marks and its carry-forward source in one read (audited), not two full loads."""
    previous = (
        _signed_before(actor, note.client, note.seen_at).prefetch_related("restrictions").first()
    )
    if previous is not None:
        audit.record(actor, AuditAction.READ, previous)
    return previous


def policy_of(clinic_id: Any) -> ChartingPolicy:
    """The clinic's charting policy, or the defaults (unsaved) when it has not set one."""
    found = ChartingPolicy.objects.filter(clinic_id=clinic_id).first()
    return found or ChartingPolicy(clinic_id=clinic_id)


def overdue_drafts(actor: Actor, now: dt.datetime | None = None) -> list[SessionNote]:
    """The actor's own drafts older than the clinic's ``unsigned_alert_hours``."""
    if not actor.can("clinical.edit") or actor.member is None:
        return []
    hours = policy_of(actor.member.clinic_id).unsigned_alert_hours
    cutoff = (now or timezone.now()) - dt.timedelta(hours=hours)
    return list(
        SessionNote.objects.filter(author=actor.member, status=NoteStatus.DRAFT, seen_at__lt=cutoff)
        .select_related("client")
        .order_by("seen_at")
    )


# Sessions further back than this are not listed: an old gap is a records audit, not a
# reminder for today.
UNWRITTEN_DAYS = 30
UNWRITTEN_LIMIT = 20


def sessions_without_note(actor: Actor, now: dt.datetime | None = None) -> list[Appointment]:
    """The actor's own sessions of the last weeks that took place and have no note at all.

    A session took place when it was completed, or the client arrived, and it has ended.
    Drafts are listed by ``overdue_drafts``; these have not even been started.
    """
    if not actor.can("clinical.edit") or actor.member is None:
        return []
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(
            practitioner=actor.member,
            status__in=(AppointmentStatus.COMPLETED, AppointmentStatus.ARRIVED),
            end__lte=now,
            end__gt=now - dt.timedelta(days=UNWRITTEN_DAYS),
            session_note__isnull=True,
        )
        .select_related("client")
        .order_by("start")[:UNWRITTEN_LIMIT]
    )


def stations_for(actor: StaffActor, *, include_retired: bool = False) -> list[ListeningStation]:
    require_clinical(actor, message=NOTES_ONLY)
    assert actor.member is not None
    stations = ListeningStation.objects.for_member(actor.member, "view")
    if not include_retired:
        stations = stations.filter(active=True)
    return list(stations)


def station_for(actor: StaffActor, station_id: uuid.UUID | str) -> ListeningStation:
    require_clinical(actor, message=NOTES_ONLY)
    return get_scoped_or_404(
        ListeningStation.objects.for_member(actor.member, "view"),
        pk=station_id,
    )


def technique_templates_for(actor: StaffActor) -> list[TechniqueTemplate]:
    require_clinical(actor, message=NOTES_ONLY)
    assert actor.member is not None
    return list(TechniqueTemplate.objects.for_member(actor.member, "view"))


def technique_template_for(actor: StaffActor, template_id: uuid.UUID | str) -> TechniqueTemplate:
    require_clinical(actor, message=NOTES_ONLY)
    return get_scoped_or_404(
        TechniqueTemplate.objects.for_member(actor.member, "view"),
        pk=template_id,
    )


def note_templates_for(actor: StaffActor) -> list[NoteTemplate]:
    require_clinical(actor, message=NOTES_ONLY)
    return list(
        NoteTemplate.objects.for_member(actor.member, "view").select_related(
            "service", "technique_template"
        )
    )


def note_template_for(actor: StaffActor, template_id: uuid.UUID | str) -> NoteTemplate:
    require_clinical(actor, message=NOTES_ONLY)
    return get_scoped_or_404(
        NoteTemplate.objects.for_member(actor.member, "view").select_related("service"),
        pk=template_id,
    )


# --- A copy of the record for the client ------------------------------------------


def signed_notes_for_client(client_id: uuid.UUID | str) -> list[SessionNote]:
    """The client's own signed notes with addenda, oldest first: their copy of the record.

    Author-only notes are included: the flag keeps a note from colleagues, not from the
    person it is about (docs/portal.md). Drafts never. The caller audits the export once.
    """
    notes = SessionNote.objects.filter(client_id=client_id, status=NoteStatus.SIGNED)
    return list(with_everything(notes).order_by("seen_at", "created_at"))


def signed_notes_for_copy(actor: StaffActor, client: Client, *, reason: str) -> list[SessionNote]:
    """Signed notes staff may hand to the client (a request by post), oldest first.

    The owner gets every one: a colleague's author-only note is opened with ``reason``,
    stored in ``SensitiveAccess`` and audited, as when opening it on its page. Anyone
    else gets the notes they may read (others' author-only notes stay hidden).
    """
    notes = visible_notes(actor).filter(client=client, status=NoteStatus.SIGNED)
    found = list(with_everything(notes).order_by("seen_at", "created_at"))
    opened = [n for n in found if not may_read_content(actor, n)]
    if opened:
        assert actor.member is not None
        accesses = SensitiveAccess.objects.bulk_create(
            SensitiveAccess(note=n, member=actor.member, reason=reason[:500]) for n in opened
        )
        for access in accesses:  # rare: one row per colleague's author-only note
            audit.record(actor, AuditAction.READ, access, clinic=actor.clinic)
    return found
