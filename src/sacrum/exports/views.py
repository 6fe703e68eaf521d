"""The owner's export page: start a full export, watch it, download it, cancel it.

The download is a short-lived link with an opaque token (minted when the owner clicks
"Download", stored as a digest) that opens only that clinic's finished export, and
only for a signed-in owner of that clinic.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sacrum.exports import runner, selectors, services
from sacrum.exports.formats import FORMATS
from sacrum.exports.models import Channel
from sacrum.exports.storage import archive_of
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest

FORMAT_LABELS = {
    "fhir": "FHIR R4 (one NDJSON file per resource type, for other health systems)",
    "csv": "CSV (one spreadsheet file per kind of record, with a README)",
}


class StartForm(forms.Form):
    format = forms.ChoiceField(label="Format", widget=forms.RadioSelect)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [(name, FORMAT_LABELS.get(name, name)) for name in sorted(FORMATS)]
        field = self.fields["format"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        field.initial = "fhir"


@member_required("data.export")
def export_home(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.start_export(
                actor=actor, format=form.cleaned_data["format"], channel=Channel.PAGE
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Export started. This page shows its progress.")
            return redirect("web:export_home")
    jobs = selectors.recent_jobs(actor)
    return render(
        request,
        "exports/exports.html",
        {
            "form": form,
            "jobs": jobs,
            "any_open": any(j.is_open for j in jobs),
            "hours": int(runner.EXPIRES_AFTER.total_seconds() // 3600),
        },
    )


@require_POST
@member_required("data.export")
def export_link(request: MemberRequest, export_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    job = selectors.job_for(actor, export_id)
    try:
        token = services.download_link(actor=actor, job=job)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("web:export_home")
    return redirect("web:export_download", token=token)


@member_required("data.export")
def export_download(request: MemberRequest, token: str) -> HttpResponseBase:
    """The zip behind a download link: only for an owner of the export's own clinic."""
    job = services.job_for_token(token)
    if job is None or job.clinic_id != request.member.clinic_id:
        raise Http404("This download link has expired or is not for this clinic.")
    try:
        handle = archive_of(job).open("rb")
    except OSError as exc:
        raise Http404("The export's files are gone.") from exc
    services.record_download(StaffActor.from_request(request), job)
    name = f"sacrum-{job.clinic.slug}-{job.format}-{job.created_at:%Y-%m-%d}.zip"
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")


@require_POST
@member_required("data.export")
def export_cancel(request: MemberRequest, export_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    job = selectors.job_for(actor, export_id)
    try:
        services.cancel_export(actor=actor, job=job)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Export cancelled; its files are deleted.")
    return redirect("web:export_home")
