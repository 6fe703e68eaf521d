"""The pages a client reaches from their link (or the clinic's tablet): no sign-in needed.

An unknown, tampered, expired or used token gets the same page and status (404), and
nothing about the client or the clinic. Responses are never cached.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sacrum.clients import consent
from sacrum.clients import selectors as client_selectors
from sacrum.clients.consent_views import ConsentSignForm
from sacrum.clients.models import Client, Condition
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.screening import links
from sacrum.screening.forms import answer_sheet, answers_from_post
from sacrum.screening.models import Source
from sacrum.screening.questions import INTAKE, question_set

DONE_KEY = "sacrum_public_done"


class DetailsForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in django-stubs only
    """What the client tells us about themselves; empty answers change nothing."""

    conditions = forms.MultipleChoiceField(
        choices=Condition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="What would you like help with?",
    )

    class Meta:
        model = Client
        fields = (
            "conditions",
            "goals",
            "physician_name",
            "physician_practice",
            "physician_phone",
            "physician_email",
            "emergency_contact_name",
            "emergency_contact_relationship",
            "emergency_contact_phone",
            "preferred_language",
            "referral_source",
        )
        labels = {
            "goals": "What would you like to be different after your sessions? (in your own words)",
            "physician_name": "Your doctor's name",
            "physician_practice": "Their practice or surgery",
            "physician_phone": "Their phone number",
            "physician_email": "Their e-mail address",
            "emergency_contact_name": "Someone we can call in an emergency",
            "emergency_contact_relationship": "How they are related to you",
            "emergency_contact_phone": "Their phone number",
            "preferred_language": "Which language do you prefer?",
            "referral_source": "How did you hear about us?",
        }
        widgets = {"goals": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].required = False
            self.fields[name].help_text = ""

    def _post_clean(self) -> None:
        """Validated by the service with the model's own rules."""


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "screening/public_invalid.html", status=404)


def _split_errors(exc: ValidationError, *forms_: forms.BaseForm | None) -> dict[str, str]:
    """Put each message by its field: a form's own field, else a question of the sheet."""
    sheet: dict[str, str] = {}
    for key, msgs in exc.message_dict.items():
        target = next((f for f in forms_ if f is not None and key in f.fields), None)
        if target is not None:
            target.add_error(key, msgs)
        else:
            sheet[key] = " ".join(msgs)
    return sheet


@never_cache
def public_form(request: HttpRequest, token: str) -> HttpResponse:
    link = links.open_link(token)
    if link is None:
        return _invalid(request)
    client = link.client
    qs = question_set(link.purpose)
    text = None if consent.has_current_consent(client) else consent.current_text(client.clinic_id)
    consent_form = (
        ConsentSignForm(request.POST or None, initial={"consent_text_id": text.pk})
        if text is not None
        else None
    )
    details_form = None
    if link.purpose == Source.INTAKE:
        initial = {name: getattr(client, name) for name in DetailsForm.Meta.fields}
        initial.pop("conditions"), initial.pop("goals")  # clinical: not shown back
        details_form = DetailsForm(request.POST or None, initial=initial)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = answers_from_post(qs, request.POST)
        details_ok = details_form is None or details_form.is_valid()
        consent_ok = consent_form is None or consent_form.is_valid()
        if details_ok and consent_ok:
            submission = links.PublicSubmission(
                answers=values,
                details=details_form.cleaned_data if details_form is not None else {},
                consent=consent_form.cleaned_data if consent_form is not None else None,
            )
            try:
                result = links.submit(link=link, actor=Actor.from_request(request), data=submission)
            except ValidationError as exc:
                errors = _split_errors(exc, consent_form, details_form)
            except Conflict as exc:
                messages.error(request, exc.message)
                return redirect("web:public_form", token=token)
            else:
                request.session[DONE_KEY] = {
                    "urgent": result.urgent,
                    "clinic": client.clinic.name,
                    "phone": client.clinic.phone,
                    "tablet": link.via == "tablet",
                    "client_id": str(client.pk),
                    "purpose": link.purpose,
                }
                return redirect("web:public_done")
        else:
            _values, errors = qs.clean(values)
        status = 422
    return render(
        request,
        "screening/public_form.html",
        {
            "link": link,
            "client": client,
            "clinic": client.clinic,
            "qs": qs,
            "text": text,
            "form": consent_form,
            "details_form": details_form,
            "sections": answer_sheet(
                qs, values, errors, list(client.clinic.screening_rules.filter(active=True))
            ),
            "errors": errors,
        },
        status=status,
    )


@never_cache
def public_done(request: HttpRequest) -> HttpResponse:
    done = request.session.pop(DONE_KEY, None)
    if not done:
        return _invalid(request)
    return render(request, "screening/public_done.html", {"done": done})


@require_POST
@member_required("client.edit")
def link_create(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    """E-mail the client a link, or open the form on this device for the client to fill."""
    actor = StaffActor.from_request(request)
    client = client_selectors.client_for(actor, client_id, audited=False)
    purpose = request.POST.get("purpose", INTAKE)
    delivery = request.POST.get("delivery", "email")
    try:
        link, raw = links.create_link(actor=actor, client=client, purpose=purpose, via=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("web:client_detail", client_id=client.pk)
    if raw is not None:  # the tablet: open the form here, now
        return redirect(links.link_path(raw))
    messages.success(
        request,
        f"A link was e-mailed to {link.sent_to}. It works once, for {links.EMAIL_DAYS} days.",
    )
    return redirect("web:client_detail", client_id=client.pk)
