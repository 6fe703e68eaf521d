"""The owner's import pages: upload, check the column mapping, dry run, import, report."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sacrum.imports import selectors, services
from sacrum.imports.forms import MappingForm, UploadForm
from sacrum.imports.layouts import LAYOUTS
from sacrum.imports.models import Kind
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest


@member_required("clinic.manage")
def import_home(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = services.store_upload(
                actor=actor,
                file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                layout=form.cleaned_data["layout"],
                source_system=form.cleaned_data["source_system"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("web:import_upload", upload.pk)
    return render(
        request,
        "imports/home.html",
        {"form": form, "runs": selectors.recent_runs(actor), "layouts": LAYOUTS.values()},
    )


@member_required("clinic.manage")
def import_upload(request: MemberRequest, upload_id: uuid.UUID) -> HttpResponse:
    """Check how the file is read (the detected layout, or a mapping by hand), then dry-run."""
    actor = StaffActor.from_request(request)
    upload = selectors.upload_for(actor, upload_id)
    kind = request.POST.get("kind", upload.kind) if request.method == "POST" else upload.kind
    if kind not in Kind.values:
        kind = upload.kind
    form = MappingForm(
        request.POST or None,
        kind=kind,
        columns=upload.columns,
        mapping=upload.mapping if kind == upload.kind else {},
        initial={"source_system": upload.source_system, "date_order": upload.date_order},
    )
    if request.method == "POST" and request.POST.get("action") != "change_kind" and form.is_valid():
        try:
            services.choose_mapping(
                actor=actor,
                upload=upload,
                kind=kind,
                mapping=form.mapping(),
                source_system=form.cleaned_data["source_system"],
                date_order=form.cleaned_data["date_order"],
            )
            run = services.start_run(actor=actor, upload=upload, dry_run=True)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    name = f"map_{field}" if f"map_{field}" in form.fields else None
                    form.add_error(name, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            return redirect("web:import_run", run.pk)
    return render(
        request,
        "imports/upload.html",
        {
            "upload": upload,
            "form": form,
            "kind": kind,
            "kinds": Kind.choices,
            "layout": LAYOUTS.get(upload.layout),
        },
    )


@member_required("clinic.manage")
def import_run(request: MemberRequest, run_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    run = selectors.run_for(actor, run_id)
    problems = run.problems
    return render(
        request,
        "imports/run.html",
        {
            "run": run,
            "where": "Entry" if run.kind == Kind.FHIR else "Row",
            "problems": problems,
            "more_problems": run.skipped + run.conflicts + run.errors - len(problems),
            "can_import": run.dry_run
            and run.finished
            and run.upload is not None
            and run.upload.has_file,
        },
    )


@require_POST
@member_required("clinic.manage")
def import_commit(request: MemberRequest, upload_id: uuid.UUID) -> HttpResponse:
    """Import for real, after the dry run."""
    actor = StaffActor.from_request(request)
    upload = selectors.upload_for(actor, upload_id)
    try:
        run = services.start_run(actor=actor, upload=upload, dry_run=False)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("web:import_home")
    return redirect("web:import_run", run.pk)


@require_POST
@member_required("clinic.manage")
def import_discard(request: MemberRequest, upload_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    upload = selectors.upload_for(actor, upload_id)
    services.discard_upload(actor=actor, upload=upload)
    messages.success(request, "The uploaded file was deleted; nothing was imported.")
    return redirect("web:import_home")
