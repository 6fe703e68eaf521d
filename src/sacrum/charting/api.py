"""Charting API routes, mounted at /api/v1 by ``sacrum.api.api``.

Notes (drafts autosaved by PATCH, replaced by PUT, thrown away by DELETE), signing,
addenda, copy-forward, and the clinic's listening stations, technique and note
templates and charting policy. A signed note answers every change with 409.
Every route that returns or changes clinical content is marked clinical (the
front desk gets 403/404).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.charting import regions, selectors, services
from sacrum.charting.models import Addendum, NoteTemplate, SessionNote, TechniqueTemplate
from sacrum.charting.schemas import (
    AddendumIn,
    AddendumOut,
    ChartingPolicyOut,
    CopyForwardIn,
    NoteCreateIn,
    NoteOut,
    NotePatch,
    NotePut,
    NoteSummaryOut,
    NoteTemplateIn,
    NoteTemplateOut,
    NoteTemplatePatch,
    OpenIn,
    PolicyPatch,
    RegionOut,
    StationIn,
    StationOut,
    StationPatch,
    TechniqueTemplateIn,
    TechniqueTemplateOut,
    TechniqueTemplatePatch,
    VerifyOut,
)
from sacrum.clients import selectors as client_selectors
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.api import PageOut, actor_of, paginate
from sacrum.kernel.errors import Forbidden
from sacrum.kernel.fields import PageNumber, PageSize
from sacrum.scheduling.models import Appointment, ServiceType

router = Router(tags=["charting"])

CLINICAL = {"x-sacrum-clinical": True}


def _appointment(actor: StaffActor, appointment_id: uuid.UUID | None) -> Appointment | None:
    if appointment_id is None:
        return None
    assert actor.member is not None
    found = (
        Appointment.objects.for_member(actor.member, "view")
        .select_related("service")
        .filter(pk=appointment_id)
        .first()
    )
    if found is None:
        raise ValidationError({"appointment_id": "Choose an appointment of this clinic."})
    return found


def _note(actor: StaffActor, note_id: uuid.UUID) -> SessionNote:
    """A note in reach for a write (no read audit: the write is audited)."""
    return get_scoped_or_404(selectors.visible_notes(actor).select_related("client"), pk=note_id)


def _full(actor: StaffActor, note: SessionNote) -> SessionNote:
    """The note as returned after a write (the writer is its author: no reason needed)."""
    return selectors.note_for(actor, note.pk, audited=False)


def _summary(actor: Actor, note: SessionNote) -> dict[str, Any]:
    hidden = not selectors.may_read_content(actor, note)
    user = note.author.user
    return {
        "id": note.pk,
        "client_id": note.client_id,
        "appointment_id": note.appointment_id,
        "author_id": note.author_id,
        "author_name": user.full_name or user.email,
        "seen_at": note.seen_at,
        "status": note.status,
        "sensitive": note.sensitive,
        "content_hidden": hidden,
        "pain_before": None if hidden else note.pain_before,
        "pain_after": None if hidden else note.pain_after,
        "duration_minutes": None if hidden else note.duration_minutes,
        "signed_at": note.signed_at,
    }


# --- Notes ---------------------------------------------------------------------------


@router.get(
    "/clients/{client_id}/session-notes",
    response=PageOut[NoteSummaryOut],
    openapi_extra=CLINICAL,
)
def list_notes(
    request: HttpRequest, client_id: uuid.UUID, page: PageNumber = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    """The client's session notes, newest first (an owner sees others' "author only" notes
    listed with ``content_hidden``)."""
    actor = actor_of(request)
    client = client_selectors.clinical_client(
        actor, client_id, audited=False, message=selectors.NOTES_ONLY
    )
    notes = (
        selectors.visible_notes(actor)
        .filter(client=client)
        .select_related("author__user")
        .order_by("-seen_at", "pk")
    )
    result = paginate(notes, page, page_size)
    result["items"] = [_summary(actor, n) for n in result["items"]]
    audit.record(actor, AuditAction.LIST, client, object_type="sessionnote")
    return result


@router.post("/clients/{client_id}/session-notes", response={201: NoteOut}, openapi_extra=CLINICAL)
def create_note(
    request: HttpRequest, client_id: uuid.UUID, payload: NoteCreateIn
) -> Status[SessionNote]:
    """Start a draft (for an appointment, or an unscheduled visit). 409 with the screening
    gate's reasons when the client may not be charted now."""
    actor = actor_of(request)
    client = client_selectors.clinical_client(
        actor, client_id, edit=True, audited=False, message=selectors.NOTES_ONLY
    )
    note = services.start_note(
        actor=actor,
        client=client,
        appointment=_appointment(actor, payload.appointment_id),
        seen_at=payload.seen_at,
    )
    return Status(201, _full(actor, note))


@router.post(
    "/clients/{client_id}/session-notes/copy-forward",
    response={201: NoteOut},
    openapi_extra=CLINICAL,
)
def copy_forward(
    request: HttpRequest, client_id: uuid.UUID, payload: CopyForwardIn
) -> Status[SessionNote]:
    """Start a draft carrying exactly ``parts`` of the client's previous signed note."""
    actor = actor_of(request)
    client = client_selectors.clinical_client(
        actor, client_id, edit=True, audited=False, message=selectors.NOTES_ONLY
    )
    note = services.copy_forward(
        actor=actor,
        client=client,
        parts=payload.parts,
        appointment=_appointment(actor, payload.appointment_id),
        seen_at=payload.seen_at,
    )
    return Status(201, _full(actor, note))


@router.get("/charting/session-notes/{note_id}", response=NoteOut, openapi_extra=CLINICAL)
def get_note(request: HttpRequest, note_id: uuid.UUID) -> SessionNote:
    """One note with everything under it, and its addenda. An "author only" note is its
    author's; the owner opens it with a reason (POST …/open)."""
    return selectors.note_for(actor_of(request), note_id)


@router.post("/charting/session-notes/{note_id}/open", response=NoteOut, openapi_extra=CLINICAL)
def open_sensitive_note(request: HttpRequest, note_id: uuid.UUID, payload: OpenIn) -> SessionNote:
    """The owner opens an "author only" note, giving a reason that is kept and audited."""
    return selectors.note_for(actor_of(request), note_id, reason=payload.reason)


@router.patch("/charting/session-notes/{note_id}", response=NoteOut, openapi_extra=CLINICAL)
def patch_note(request: HttpRequest, note_id: uuid.UUID, payload: NotePatch) -> SessionNote:
    """Autosave a draft: only the fields sent change. 409 once signed."""
    actor = actor_of(request)
    note = _note(actor, note_id)
    data = payload.dict(exclude_unset=True)
    services.save_draft(actor=actor, note=note, data=data)
    return _full(actor, note)


@router.put("/charting/session-notes/{note_id}", response=NoteOut, openapi_extra=CLINICAL)
def put_note(request: HttpRequest, note_id: uuid.UUID, payload: NotePut) -> SessionNote:
    """Replace a draft's whole content (fields left out are emptied). 409 once signed."""
    actor = actor_of(request)
    note = _note(actor, note_id)
    data = payload.dict()
    if data.get("seen_at") is None:
        data.pop("seen_at", None)
    services.save_draft(actor=actor, note=note, data=data)
    return _full(actor, note)


@router.delete("/charting/session-notes/{note_id}", response={204: None}, openapi_extra=CLINICAL)
def delete_note(request: HttpRequest, note_id: uuid.UUID) -> Status[None]:
    """Throw a draft away. A signed note is never deleted (409)."""
    actor = actor_of(request)
    services.delete_draft(actor=actor, note=_note(actor, note_id))
    return Status(204, None)


@router.post("/charting/session-notes/{note_id}/sign", response=NoteOut, openapi_extra=CLINICAL)
def sign_note(request: HttpRequest, note_id: uuid.UUID) -> SessionNote:
    """Sign and lock: stores the signer, the time and the SHA-256 of the content."""
    actor = actor_of(request)
    services.sign_note(actor=actor, note=_note(actor, note_id))
    return selectors.note_for(actor, note_id, audited=False)


@router.get(
    "/charting/session-notes/{note_id}/addenda",
    response=list[AddendumOut],
    openapi_extra=CLINICAL,
)
def list_addenda(request: HttpRequest, note_id: uuid.UUID) -> list[Addendum]:
    note = selectors.note_for(actor_of(request), note_id)
    return list(note.addenda.all())


@router.post(
    "/charting/session-notes/{note_id}/addenda",
    response={201: AddendumOut},
    openapi_extra=CLINICAL,
)
def add_addendum(request: HttpRequest, note_id: uuid.UUID, payload: AddendumIn) -> Status[Addendum]:
    """Append text to a signed note (its own author, time and hash)."""
    actor = actor_of(request)
    note = selectors.note_for(actor, note_id, audited=False)
    addendum = services.add_addendum(actor=actor, note=note, text=payload.text)
    return Status(201, Addendum.objects.select_related("author__user").get(pk=addendum.pk))


@router.get("/charting/addenda/{addendum_id}", response=AddendumOut, openapi_extra=CLINICAL)
def get_addendum(request: HttpRequest, addendum_id: uuid.UUID) -> Addendum:
    actor = actor_of(request)
    addendum = get_scoped_or_404(
        Addendum.objects.for_member(actor.member, "view").select_related("author__user"),
        pk=addendum_id,
    )
    selectors.note_for(actor, addendum.note_id, audited=False)  # visibility of the note
    audit.record(actor, AuditAction.READ, addendum)
    return addendum


# --- Reference and clinic setup ------------------------------------------------------


@router.get("/charting/regions", response=list[RegionOut])
def list_regions(request: HttpRequest) -> list[dict[str, Any]]:
    """The body map's regions (codes stored in restrictions), in map order."""
    return [
        {
            "code": r.code,
            "label": r.label,
            "group": r.group,
            "group_label": regions.GROUP_LABELS[r.group],
            "paired": r.paired,
            "drawn": r.drawn,
            "sides": list(r.sides),
        }
        for r in regions.REGIONS
    ]


@router.get("/charting/stations", response=list[StationOut], openapi_extra=CLINICAL)
def list_stations(request: HttpRequest, include_retired: bool = False) -> list[Any]:
    return selectors.stations_for(actor_of(request), include_retired=include_retired)


@router.post("/charting/stations", response={201: StationOut}, openapi_extra=CLINICAL)
def create_station(request: HttpRequest, payload: StationIn) -> Status[Any]:
    return Status(201, services.create_station(actor=actor_of(request), data=payload.dict()))


@router.patch("/charting/stations/{station_id}", response=StationOut, openapi_extra=CLINICAL)
def patch_station(request: HttpRequest, station_id: uuid.UUID, payload: StationPatch) -> Any:
    actor = actor_of(request)
    station = selectors.station_for(actor, station_id)
    return services.update_station(
        actor=actor, station=station, data=payload.dict(exclude_unset=True)
    )


@router.get(
    "/charting/technique-templates", response=list[TechniqueTemplateOut], openapi_extra=CLINICAL
)
def list_technique_templates(request: HttpRequest) -> list[TechniqueTemplate]:
    return selectors.technique_templates_for(actor_of(request))


@router.post(
    "/charting/technique-templates",
    response={201: TechniqueTemplateOut},
    openapi_extra=CLINICAL,
)
def create_technique_template(
    request: HttpRequest, payload: TechniqueTemplateIn
) -> Status[TechniqueTemplate]:
    template = services.create_technique_template(actor=actor_of(request), data=payload.dict())
    return Status(201, template)


@router.patch(
    "/charting/technique-templates/{technique_template_id}",
    response=TechniqueTemplateOut,
    openapi_extra=CLINICAL,
)
def patch_technique_template(
    request: HttpRequest, technique_template_id: uuid.UUID, payload: TechniqueTemplatePatch
) -> TechniqueTemplate:
    actor = actor_of(request)
    template = selectors.technique_template_for(actor, technique_template_id)
    return services.update_technique_template(
        actor=actor, template=template, data=payload.dict(exclude_unset=True)
    )


def _template_data(actor: StaffActor, data: dict[str, Any]) -> dict[str, Any]:
    if "technique_template_id" in data:
        chosen = data.pop("technique_template_id")
        data["technique_template"] = (
            None if chosen is None else selectors.technique_template_for(actor, chosen)
        )
    return data


@router.get("/charting/note-templates", response=list[NoteTemplateOut], openapi_extra=CLINICAL)
def list_note_templates(request: HttpRequest) -> list[NoteTemplate]:
    return selectors.note_templates_for(actor_of(request))


@router.post("/charting/note-templates", response={201: NoteTemplateOut}, openapi_extra=CLINICAL)
def create_note_template(request: HttpRequest, payload: NoteTemplateIn) -> Status[NoteTemplate]:
    """Set the starting text of new notes for one service (replaces its template)."""
    actor = actor_of(request)
    data = payload.dict()
    service_id = data.pop("service_id")
    assert actor.member is not None
    service = ServiceType.objects.for_member(actor.member, "view").filter(pk=service_id).first()
    if service is None:
        raise ValidationError({"service_id": "Choose a service of this clinic."})
    template = services.save_note_template(
        actor=actor, service=service, data=_template_data(actor, data)
    )
    return Status(201, template)


@router.patch(
    "/charting/note-templates/{note_template_id}",
    response=NoteTemplateOut,
    openapi_extra=CLINICAL,
)
def patch_note_template(
    request: HttpRequest, note_template_id: uuid.UUID, payload: NoteTemplatePatch
) -> NoteTemplate:
    actor = actor_of(request)
    template = selectors.note_template_for(actor, note_template_id)
    return services.save_note_template(
        actor=actor,
        service=template.service,
        data=_template_data(actor, payload.dict(exclude_unset=True)),
    )


@router.get("/charting/policy", response=ChartingPolicyOut, openapi_extra=CLINICAL)
def get_policy(request: HttpRequest) -> Any:
    actor = actor_of(request)
    client_selectors.require_clinical(
        actor, message="Charting settings are for practitioners and owners."
    )
    assert actor.member is not None
    return selectors.policy_of(actor.member.clinic_id)


@router.patch("/charting/policy", response=ChartingPolicyOut, openapi_extra=CLINICAL)
def patch_policy(request: HttpRequest, payload: PolicyPatch) -> Any:
    return services.update_policy(actor=actor_of(request), data=payload.dict(exclude_unset=True))


@router.post("/charting/verify", response=VerifyOut, openapi_extra=CLINICAL)
def verify(request: HttpRequest) -> dict[str, Any]:
    """The owner re-checks every signed note and addendum of the clinic (hash, keyed seal)
    and the audit log's record of each signing (see ``sacrum verify_notes``)."""
    actor = actor_of(request)
    if not actor.can("clinic.manage"):
        raise Forbidden("Only the clinic's owner runs the check.")
    assert actor.member is not None
    report = services.verify(clinic_id=actor.member.clinic_id)
    audit.record(actor, AuditAction.READ, object_type="note_verification", object_id="all")
    return {
        "notes": report.notes,
        "addenda": report.addenda,
        "ok": report.ok,
        "mismatches": [
            {
                "kind": m.kind,
                "object_id": m.object_id,
                "note_id": m.note_id,
                "problem": m.describe(),
            }
            for m in report.mismatches
        ],
    }
