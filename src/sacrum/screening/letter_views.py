"""Referral letter pages: draft from the record, review and edit, send or print, download."""

from __future__ import annotations

import json
import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clients import selectors as client_selectors
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.forms import DateInput, add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.screening import letters
from sacrum.screening.fhir import letter_bundle
from sacrum.screening.models import ReferralLetter
from sacrum.screening.pdf import letter_pdf


class LetterForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in django-stubs only
    class Meta:
        model = ReferralLetter
        fields = letters.EDITABLE
        widgets = {
            "letter_date": DateInput(),
            "reason": forms.Textarea(attrs={"rows": 6}),
            "history": forms.Textarea(attrs={"rows": 5}),
            "sessions": forms.Textarea(attrs={"rows": 2}),
            "outcomes": forms.Textarea(attrs={"rows": 3}),
            "request": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "recipient_name": "To (physician)",
            "recipient_practice": "Practice",
            "recipient_email": "Physician's e-mail",
            "reason": "Reason for this letter",
            "history": "Relevant history",
            "sessions": "Craniosacral therapy so far",
            "outcomes": "Outcome scores",
            "request": "What we ask",
        }
        help_texts = {
            "reason": "One point per line starting with “- ”. The client's own answers, as fired.",
        }

    def _post_clean(self) -> None:
        """Validated by the service with the model's own rules."""


def _letter(actor: StaffActor, letter_id: uuid.UUID) -> ReferralLetter:
    client_selectors.require_clinical(actor, message=letters.LETTERS_ONLY)
    qs = ReferralLetter.objects.for_member(actor.member, "view").select_related(
        "client__clinic", "author__user"
    )
    return get_scoped_or_404(qs, pk=letter_id)


def _filename(letter: ReferralLetter, suffix: str) -> str:
    return f"referral-{letter.client.last_name.lower()}-{letter.letter_date:%Y-%m-%d}.{suffix}"


@require_POST
@member_required("clinical.edit")
def letter_new(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    client = client_selectors.client_for(actor, client_id, audited=False)
    letter = letters.draft_letter(actor=actor, client=client)
    messages.success(request, "A draft was written from the record. Review it before it leaves.")
    return redirect("web:letter_detail", letter_id=letter.pk)


@member_required("clinical.view")
def letter_detail(request: MemberRequest, letter_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    letter = _letter(actor, letter_id)
    form = None
    if letter.is_draft and actor.can("clinical.edit"):
        form = LetterForm(request.POST or None, instance=letter)
        if request.method == "POST" and form.is_valid():
            data = {name: form.cleaned_data[name] for name in letters.EDITABLE}
            try:
                letters.update_letter(actor=actor, letter=letter, data=data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Letter saved.")
                return redirect("web:letter_detail", letter_id=letter.pk)
    elif request.method == "POST":
        return render(request, "403.html", status=403)
    if request.method == "GET":
        audit.record(actor, AuditAction.READ, letter)
    return render(
        request,
        "screening/letter_detail.html",
        {
            "letter": letter,
            "client": letter.client,
            "form": form,
            "alerts": letter.alerts.select_related("rule"),
            "can_edit": actor.can("clinical.edit"),
        },
        status=422 if form is not None and form.errors else 200,
    )


@member_required("clinical.view")
def letter_pdf_view(request: MemberRequest, letter_id: uuid.UUID) -> HttpResponseBase:
    actor = StaffActor.from_request(request)
    letter = _letter(actor, letter_id)
    audit.record(actor, AuditAction.EXPORT, letter)
    if letter.is_draft:
        response = HttpResponse(letter_pdf(letter, final=False), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="draft-{_filename(letter, "pdf")}"'
        return response
    return FileResponse(
        letter.pdf.open("rb"), content_type="application/pdf", filename=_filename(letter, "pdf")
    )


@member_required("clinical.view")
def letter_fhir_view(request: MemberRequest, letter_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    letter = _letter(actor, letter_id)
    audit.record(actor, AuditAction.EXPORT, letter)
    if letter.is_draft:
        content = letter_pdf(letter, final=False)
    else:
        with letter.pdf.open("rb") as handle:
            content = handle.read()
    response = HttpResponse(
        json.dumps(letter_bundle(letter, content), indent=1), content_type="application/fhir+json"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(letter, "fhir.json")}"'
    return response


@require_POST
@member_required("clinical.edit")
def letter_finalize(request: MemberRequest, letter_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    letter = _letter(actor, letter_id)
    how = request.POST.get("how", "")
    try:
        letter = letters.finalize(actor=actor, letter=letter, how=how)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        if how == "email":
            messages.success(
                request, f"The letter is on its way to {letter.sent_to}, with the PDF attached."
            )
        else:
            messages.success(request, "The letter is final. Download the PDF below to print it.")
    return redirect("web:letter_detail", letter_id=letter.pk)
