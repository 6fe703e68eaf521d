"""Charting pages: start a note, chart it (autosaved), sign it, add addenda, the chart view.

Views are thin: reads go through ``selectors`` (which decide who may see a note and
audit the read), writes through ``services`` (which decide who may change it). Pages
are for clinical roles only: the front desk gets 403 from the guard and never a note.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sacrum.access.scoping import get_scoped_or_404
from sacrum.charting import bodymap, charts, pdf, selectors, services
from sacrum.charting.forms import (
    CARRY_LABELS,
    COPY_LABELS,
    AddendumForm,
    NoteForm,
    PdfForm,
    ReasonForm,
    StartForm,
    UnscheduledForm,
    initial_for,
    rows_needed,
)
from sacrum.charting.models import ListeningStation, NoteStatus, SessionNote
from sacrum.charting.regions import label as region_label
from sacrum.clients.models import Client
from sacrum.clients.selectors import client_for
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.scheduling.models import Appointment

AUTOSAVE_SECONDS = 15


def _actor(request: MemberRequest) -> StaffActor:
    return StaffActor.from_request(request)


# --- Starting a note ---------------------------------------------------------------


@member_required("clinical.edit")
def chart_appointment(request: MemberRequest, appointment_id: uuid.UUID) -> HttpResponse:
    """ "Chart this session": open the appointment's note, or start one.

    The "Chart this session" buttons post ``at_once=1``: the draft starts there and then
    and the editor opens (one tap). A GET only shows the start page, which never writes.
    """
    actor = _actor(request)
    assert actor.member is not None
    appointment = get_scoped_or_404(
        Appointment.objects.for_member(actor.member, "view").select_related(
            "client", "service", "location"
        ),
        pk=appointment_id,
    )
    existing = SessionNote.objects.filter(appointment=appointment).first()
    if existing is not None:
        if selectors.visible_notes(actor).filter(pk=existing.pk).exists():
            return redirect("web:note_detail", note_id=existing.pk)
        messages.info(request, "This session was charted by a colleague as an author-only note.")
        return redirect("web:client_chart", client_id=appointment.client_id)
    if request.method == "POST" and request.POST.get("at_once") == "1":
        return _start_at_once(request, actor, appointment)
    return _start(request, actor, appointment.client, appointment)


def _start_at_once(
    request: MemberRequest, actor: StaffActor, appointment: Appointment
) -> HttpResponse:
    """Start the draft without the start page, when nothing needs the practitioner's word.

    What the start page offered is in the editor: the last note's parts carried as the
    practitioner chose last time (the editor's "Carry forward" can copy more), and the
    paperwork still open listed above the note. A session that can't be charted yet
    (a request, a future session) gets the start page with the reason instead.
    """
    client = appointment.client
    if services.charting_refusals(client, appointment=appointment):
        return _start(request, actor, client, appointment)
    parts: list[str] = []
    if selectors.previous_signed_note(actor, client) is not None:
        parts = [p for p in selectors.carry_forward_choice(actor) if p in services.COPY_PARTS]
    try:
        if parts:
            note = services.copy_forward(
                actor=actor, client=client, parts=parts, appointment=appointment
            )
        else:
            note = services.start_note(actor=actor, client=client, appointment=appointment)
    except ValidationError as exc:  # e.g. cancelled a moment ago: said in words
        messages.error(request, " ".join(exc.messages))
        return redirect("web:chart_appointment", appointment_id=appointment.pk)
    except Conflict:
        # A note started a moment earlier (another tab) opens; a refusal is on the start page.
        return redirect("web:chart_appointment", appointment_id=appointment.pk)
    return redirect("web:note_detail", note_id=note.pk)


@member_required("clinical.edit")
def note_new(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    """A note for an unscheduled visit (no appointment)."""
    actor = _actor(request)
    client = client_for(actor, client_id, audited=request.method != "POST")
    return _start(request, actor, client, None)


def _start(
    request: HttpRequest, actor: StaffActor, client: Client, appointment: Appointment | None
) -> HttpResponse:
    reasons = services.charting_refusals(client, appointment=appointment)
    previous = selectors.previous_signed_note(actor, client)
    form_class = StartForm if appointment else UnscheduledForm
    initial: dict[str, Any] = {"parts": selectors.carry_forward_choice(actor)}
    if appointment is None:
        initial["seen_at"] = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if reasons:
            status = 409
        elif form.is_valid():
            parts = form.cleaned_data.get("parts") or []
            seen_at = form.cleaned_data.get("seen_at")
            try:
                if parts:
                    note = services.copy_forward(
                        actor=actor,
                        client=client,
                        parts=parts,
                        appointment=appointment,
                        seen_at=seen_at,
                    )
                else:
                    note = services.start_note(
                        actor=actor, client=client, appointment=appointment, seen_at=seen_at
                    )
            except services.ChartingRefused as exc:
                reasons, status = exc.reasons, 409
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 422
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            else:
                if previous is not None:  # the boxes were shown: this is their choice now
                    services.remember_carry_forward(actor=actor, parts=parts)
                return redirect("web:note_detail", note_id=note.pk)
        else:
            status = 422
    return render(
        request,
        "charting/start.html",
        {
            "client": client,
            "appointment": appointment,
            "reasons": reasons,
            "followups": services.followups(client),
            "previous": previous,
            "form": form,
            "copy_labels": COPY_LABELS,
        },
        status=status,
    )


# --- The note ----------------------------------------------------------------------


def _stations(actor: StaffActor, note: SessionNote) -> list[ListeningStation]:
    """The clinic's active stations, plus a retired one this note already has a finding at."""
    stations = selectors.stations_for(actor)
    known = {s.pk for s in stations}
    for finding in note.rhythm_findings.all():
        if finding.station_id not in known:
            stations.append(finding.station)
            known.add(finding.station_id)
    return stations


def _marks_from_form(form: NoteForm) -> list[bodymap.Mark]:
    marks = []
    for region in form.regions:
        p = f"r-{region.code}"
        if form[f"{p}-on"].value():
            severity = form[f"{p}-severity"].value()
            try:
                level = int(severity) if severity not in (None, "") else 1
            except (TypeError, ValueError):
                level = 1
            marks.append(
                bodymap.Mark(
                    region.code,
                    str(form[f"{p}-side"].value() or region.default_side),
                    min(max(level, 1), 3),
                )
            )
    return marks


def _edit_page(
    request: HttpRequest, actor: StaffActor, note: SessionNote, form: NoteForm | None = None
) -> HttpResponse:
    stations = _stations(actor, note)
    if form is None:
        stills, techniques = rows_needed(note)
        form = NoteForm(
            stations=stations,
            initial=initial_for(note, stations),
            still_point_rows=stills,
            technique_rows=techniques,
        )
    source = selectors.previous_with_restrictions(actor, note)
    previous = [
        bodymap.Mark(r.region, r.side, r.severity)
        for r in (source.restrictions.all() if source else [])
    ]
    templates = selectors.technique_templates_for(actor)
    chosen = set(selectors.carry_forward_choice(actor))
    return render(
        request,
        "charting/note_edit.html",
        {
            "note": note,
            "client": note.client,
            "form": form,
            "bodymap": bodymap.build(_marks_from_form(form), previous),
            "had_previous": bool(previous),
            "technique_templates": [t for t in templates if t.active],
            "technique_names": sorted({s for t in templates for s in t.steps}),
            "quick_techniques": _quick_techniques(templates, note),
            "carry_source": source,
            "carry_choices": [(part, CARRY_LABELS[part], part in chosen) for part in CARRY_LABELS],
            "refusals": services.charting_refusals(
                note.client, appointment=note.appointment, seen_at=note.seen_at
            ),
            "followups": services.followups(note.client),
            "autosave_seconds": AUTOSAVE_SECONDS,
        },
        status=422 if form.errors else 200,
    )


def _quick_techniques(templates: list[Any], note: SessionNote) -> list[str]:
    """Technique names to add with one tap: the steps of the service's template (or of the
    clinic's active templates), in their order, without repeats."""
    names: list[str] = []
    for template in templates:
        if template.active:
            names += [str(s) for s in template.steps if s not in names]
    return names


def _read_context(actor: Actor, note: SessionNote) -> dict[str, Any]:
    restrictions = list(note.restrictions.all())
    marks = [bodymap.Mark(r.region, r.side, r.severity) for r in restrictions]
    return {
        "note": note,
        "client": note.client,
        "bodymap": bodymap.build(marks),
        "restrictions": [(r, region_label(r.region, r.side)) for r in restrictions],
        "can_add": note.is_signed and actor.can("clinical.edit"),
        "is_author": actor.member is not None and note.author_id == actor.member.pk,
        "pdf_form": PdfForm(),
        "addendum_form": AddendumForm(),
    }


def _read_page(
    request: HttpRequest,
    actor: Actor,
    note: SessionNote,
    *,
    opened_with_reason: bool = False,
    addendum_form: AddendumForm | None = None,
) -> HttpResponse:
    context = _read_context(actor, note)
    context["opened_with_reason"] = opened_with_reason
    if addendum_form is not None:
        context["addendum_form"] = addendum_form
    return render(
        request,
        "charting/note_detail.html",
        context,
        status=422 if addendum_form is not None and addendum_form.errors else 200,
    )


@never_cache
@member_required("clinical.view")
def note_detail(request: MemberRequest, note_id: uuid.UUID) -> HttpResponse:
    """A draft opens for charting (its author); anything else reads, with its addenda."""
    actor = _actor(request)
    try:
        note = selectors.note_for(actor, note_id)
    except selectors.ReasonRequired as exc:
        return render(
            request,
            "charting/reason.html",
            {"note_id": note_id, "form": ReasonForm(), "message": str(exc)},
            status=403,
        )
    if note.status == NoteStatus.DRAFT and actor.member and note.author_id == actor.member.pk:
        return _edit_page(request, actor, note)
    return _read_page(request, actor, note)


@never_cache
@require_POST
@member_required("clinical.view")
def note_open(request: MemberRequest, note_id: uuid.UUID) -> HttpResponse:
    """The owner opens an author-only note, giving a reason (stored and audited)."""
    actor = _actor(request)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        # Still 404 for a note outside reach: check visibility before saying anything.
        get_scoped_or_404(selectors.visible_notes(actor), pk=note_id)
        return render(
            request,
            "charting/reason.html",
            {"note_id": note_id, "form": form, "message": selectors.SENSITIVE_MESSAGE},
            status=422,
        )
    note = selectors.note_for(actor, note_id, reason=form.cleaned_data["reason"])
    return _read_page(request, actor, note, opened_with_reason=True)


def _note_form(request: HttpRequest, actor: StaffActor, note: SessionNote) -> NoteForm:
    stations = _stations(actor, note)
    stills, techniques = rows_needed(note, request.POST)
    return NoteForm(
        request.POST, stations=stations, still_point_rows=stills, technique_rows=techniques
    )


def _editable(actor: StaffActor, note_id: uuid.UUID) -> SessionNote:
    """The actor's own note with its rows (404 for anyone else's, or another clinic's)."""
    note = selectors.note_for_edit(actor, note_id)
    return selectors.with_everything(SessionNote.objects.filter(pk=note.pk)).get()


@require_POST
@member_required("clinical.edit")
def note_save(request: MemberRequest, note_id: uuid.UUID) -> HttpResponse:
    """The whole form: save the draft, then stay, add a template's techniques, or go sign."""
    actor = _actor(request)
    note = _editable(actor, note_id)
    if note.is_signed:
        messages.error(request, "This note is signed and locked. Add an addendum instead.")
        return redirect("web:note_detail", note_id=note.pk)
    form = _note_form(request, actor, note)
    if not form.is_valid():
        messages.error(request, "Nothing was saved: check the fields marked below.")
        return _edit_page(request, actor, note, form)
    data = form.to_data()
    action = request.POST.get("action", "save")
    if action == "add_template":
        template_id = request.POST.get("technique_template", "")
        template = next(
            (t for t in selectors.technique_templates_for(actor) if str(t.pk) == template_id),
            None,
        )
        if template is None:
            form.add_error(None, "Choose a technique template to add.")
            return _edit_page(request, actor, note, form)
        have = {t["name"] for t in data["techniques"]}
        data["techniques"] += [
            {"name": s, "duration_minutes": None, "response": ""}
            for s in template.steps
            if s not in have
        ]
    added = request.POST.get("add_technique", "").strip()[:120]
    if added:  # a technique name tapped without JavaScript: a row at the end
        data["techniques"] += [{"name": added, "duration_minutes": None, "response": ""}]
        action = "add_technique"
    try:
        services.save_draft(actor=actor, note=note, data=data)
        if action == "carry":
            parts = request.POST.getlist("carry")
            if parts:
                services.carry_into(actor=actor, note=note, parts=parts)
            else:
                services.remember_carry_forward(actor=actor, parts=[])
    except ValidationError as exc:
        form.add_errors(exc)
        messages.error(request, "Nothing was saved: check the fields marked below.")
        return _edit_page(request, actor, note, form)
    except services.NoteLocked as exc:
        messages.error(request, exc.message)
        return redirect("web:note_detail", note_id=note.pk)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("web:note_detail", note_id=note.pk)
    if action == "carry":
        messages.success(
            request,
            "Copied from the last signed note. Your choice is kept for your next notes."
            if request.POST.getlist("carry")
            else "Nothing ticked, nothing copied. Your next notes start without carrying.",
        )
        return redirect("web:note_detail", note_id=note.pk)
    if action == "add_technique":
        return redirect(reverse("web:note_detail", args=[note.pk]) + "#techniques")
    if action == "sign":
        return redirect("web:note_sign", note_id=note.pk)
    if action == "add_template":
        messages.success(request, "Techniques added from the template.")
        return redirect(reverse("web:note_detail", args=[note.pk]) + "#techniques")
    messages.success(request, "Draft saved.")
    return redirect("web:note_detail", note_id=note.pk)


@never_cache
@require_POST
@member_required("clinical.edit")
def note_autosave(request: MemberRequest, note_id: uuid.UUID) -> JsonResponse:
    """The page's script posts the whole form here every few seconds; JSON back."""
    actor = _actor(request)
    note = _editable(actor, note_id)
    if note.is_signed:
        return JsonResponse({"message": "This note is signed and locked."}, status=409)
    form = _note_form(request, actor, note)
    if not form.is_valid():
        return JsonResponse(
            {"message": "Not saved.", "fields": {k: v for k, v in form.errors.items()}},
            status=422,
        )
    try:
        saved = services.save_draft(actor=actor, note=note, data=form.to_data())
    except ValidationError as exc:
        form.add_errors(exc)
        return JsonResponse(
            {"message": "Not saved.", "fields": {k: v for k, v in form.errors.items()}},
            status=422,
        )
    except services.NoteLocked as exc:
        return JsonResponse({"message": exc.message}, status=409)
    return JsonResponse(
        {"saved_at": timezone.localtime(saved.updated_at).strftime("%H:%M:%S")}, status=200
    )


@never_cache
@member_required("clinical.edit")
def note_sign(request: MemberRequest, note_id: uuid.UUID) -> HttpResponse:
    """Confirm, then sign and lock. Refused, in words, for a session that has not taken place."""
    actor = _actor(request)
    note = _editable(actor, note_id)
    if note.is_signed:
        return redirect("web:note_detail", note_id=note.pk)
    reasons = services.charting_refusals(
        note.client, appointment=note.appointment, seen_at=note.seen_at
    )
    status = 200
    if request.method == "POST" and not reasons:
        try:
            services.sign_note(actor=actor, note=note)
        except services.ChartingRefused as exc:
            reasons = exc.reasons
        except services.NoteLocked:
            return redirect("web:note_detail", note_id=note.pk)
        else:
            messages.success(request, "Signed. The note is locked; later words are addenda.")
            return redirect("web:note_detail", note_id=note.pk)
    if request.method == "POST":
        status = 409
    restrictions = list(note.restrictions.all())
    return render(
        request,
        "charting/sign.html",
        {
            "note": note,
            "client": note.client,
            "reasons": reasons,
            "followups": services.followups(note.client),
            "restrictions": [(r, region_label(r.region, r.side)) for r in restrictions],
        },
        status=status,
    )


@require_POST
@member_required("clinical.edit")
def note_discard(request: MemberRequest, note_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    note = _editable(actor, note_id)
    client_id = note.client_id
    try:
        services.delete_draft(actor=actor, note=note)
    except services.NoteLocked as exc:
        messages.error(request, exc.message)
        return redirect("web:note_detail", note_id=note.pk)
    messages.success(request, "Draft discarded.")
    return redirect("web:client_chart", client_id=client_id)


@require_POST
@member_required("clinical.edit")
def note_addendum(request: MemberRequest, note_id: uuid.UUID) -> HttpResponse:
    actor = _actor(request)
    note = get_scoped_or_404(selectors.visible_notes(actor), pk=note_id)
    if not selectors.may_read_content(actor, note):
        raise Http404("Not found")
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.add_addendum(actor=actor, note=note, text=form.cleaned_data["text"])
        except ValidationError as exc:
            form.add_error("text", exc.messages)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Addendum added.")
            return redirect(reverse("web:note_detail", args=[note.pk]) + "#addenda")
    full = selectors.note_for(actor, note.pk)
    return _read_page(request, actor, full, addendum_form=form)


# --- The chart view ---------------------------------------------------------------


@never_cache
@member_required("clinical.view")
def client_chart(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    """The client's sessions over time: timeline, rhythm rate per station and restriction
    counts (palpation findings), pain before and after. A fixed number of queries."""
    actor = _actor(request)
    client = client_for(actor, client_id)
    notes = selectors.timeline(actor, client)
    readable = [n for n in notes if selectors.may_read_content(actor, n)]
    by_station: dict[str, list[tuple[dt.date, float | None]]] = defaultdict(list)
    station_order: dict[str, tuple[int, str]] = {}
    for n in readable:
        day = timezone.localtime(n.seen_at).date()
        for f in n.rhythm_findings.all():
            by_station[f.station.name].append((day, None if f.rate is None else float(f.rate)))
            station_order[f.station.name] = (f.station.position, f.station.name)
    ordered = {k: by_station[k] for k in sorted(by_station, key=lambda k: station_order[k])}
    days = [(timezone.localtime(n.seen_at).date(), n) for n in readable]
    return render(
        request,
        "charting/chart.html",
        {
            "client": client,
            "notes": list(reversed(notes)),
            "readable_ids": {n.pk for n in readable},
            "rhythm_charts": charts.rhythm_rate_charts(ordered),
            "restriction_chart": charts.restriction_count_chart(
                [(d, n.restriction_count) for d, n in days]  # type: ignore[attr-defined]
            ),
            "pain_chart": charts.pain_chart([(d, n.pain_before, n.pain_after) for d, n in days]),
            "pain_rows": [(d, n) for d, n in reversed(days)],
            "pdf_form": PdfForm(),
            "can_chart": actor.can("clinical.edit"),
            "imported": selectors.imported_notes(actor, client),
        },
    )


# --- PDF --------------------------------------------------------------------------


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@member_required("clinical.view")
def note_pdf(request: MemberRequest, note_id: uuid.UUID) -> HttpResponse:
    """One note as a PDF for the client or another provider (POST: no names in URLs)."""
    actor = _actor(request)
    get_scoped_or_404(selectors.visible_notes(actor), pk=note_id)
    form = PdfForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose who the PDF is for.")
        return redirect("web:note_detail", note_id=note_id)
    note = selectors.note_for(actor, note_id)
    data = pdf.notes_pdf(
        [note],
        client=note.client,
        audience=form.cleaned_data["audience"],
        recipient=form.cleaned_data["recipient"],
        prepared_by=actor.member.user.display_name if actor.member else "",
    )
    return _pdf_response(data, f"session-note-{timezone.localtime(note.seen_at):%Y-%m-%d}.pdf")


@require_POST
@member_required("clinical.view")
def client_notes_pdf(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    """A date range of the client's notes the actor may read, signed ones first-class."""
    actor = _actor(request)
    client = client_for(actor, client_id, audited=False)  # the notes' read is audited below
    form = PdfForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Check the dates: " + " ".join(str(e) for v in form.errors.values() for e in v)
        )
        return redirect("web:client_chart", client_id=client.pk)
    start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    notes = [
        n
        for n in selectors.notes_of(actor, client)
        if selectors.may_read_content(actor, n)
        and (start is None or timezone.localtime(n.seen_at).date() >= start)
        and (end is None or timezone.localtime(n.seen_at).date() <= end)
    ]
    notes.sort(key=lambda n: n.seen_at)
    data = pdf.notes_pdf(
        notes,
        client=client,
        audience=form.cleaned_data["audience"],
        recipient=form.cleaned_data["recipient"],
        prepared_by=actor.member.user.display_name if actor.member else "",
        start=start,
        end=end,
    )
    return _pdf_response(data, "session-notes.pdf")
