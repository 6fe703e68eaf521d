"""Consent pages: the clinic's text and its versions, signing in person, withdrawal."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.clients import consent, selectors
from sacrum.clients.models import ConsentSignature, ConsentText, ConsentTextQuerySet
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest


class ConsentTextForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16}),
        max_length=20000,
        label="Text",
        help_text="Separate paragraphs with an empty line. Say what a session is; make no claim "
        "that it treats or cures anything.",
    )
    requires_new_signature = forms.BooleanField(
        required=False,
        initial=True,
        label="Clients who signed an earlier version must sign this one",
        help_text="Untick only for a correction that changes no meaning (e.g. a typo).",
    )


class ConsentSignForm(forms.Form):
    """What a client fills to sign: typed name, the box, and (optionally) a drawn signature."""

    consent_text_id = forms.UUIDField(widget=forms.HiddenInput)
    typed_name = forms.CharField(max_length=200, label="Type your full name", required=False)
    agreed = forms.BooleanField(
        required=False, label="I have read the text above and I agree to it"
    )
    drawn_signature = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20000)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="What the client said (optional)",
    )


def _texts(actor: StaffActor) -> ConsentTextQuerySet:
    return ConsentText.objects.for_member(actor.member, "view")


@member_required("client.view")
def consent_text(request: MemberRequest) -> HttpResponse:
    """The current consent text, its versions, and (for the owner) publishing a new one."""
    actor = StaffActor.from_request(request)
    versions = list(_texts(actor).annotate(signed=Count("signatures")))
    current = versions[0] if versions else None
    form = None
    if actor.can("clinic.manage"):
        initial = {"title": current.title, "body": current.body} if current else {}
        form = ConsentTextForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                text = consent.publish_text(actor=actor, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, f"Version {text.version} published. Earlier signatures are unchanged."
                )
                return redirect("web:consent_text")
    elif request.method == "POST":
        return render(request, "403.html", status=403)
    return render(
        request,
        "clients/consent_text.html",
        {"current": current, "versions": versions, "form": form},
        status=422 if form is not None and form.errors else 200,
    )


@member_required("client.view")
def consent_version(request: MemberRequest, consent_text_id: uuid.UUID) -> HttpResponse:
    """One version exactly as clients saw it when they signed it."""
    text = get_scoped_or_404(_texts(StaffActor.from_request(request)), pk=consent_text_id)
    return render(request, "clients/consent_version.html", {"text": text})


@member_required("client.edit")
def consent_sign(request: MemberRequest, client_id: uuid.UUID) -> HttpResponse:
    """Hand the device to the client: they read the text and sign it here."""
    actor = StaffActor.from_request(request)
    client = selectors.client_for(actor, client_id, audited=request.method != "POST")
    text = consent.current_text(client.clinic_id)
    form = ConsentSignForm(
        request.POST or None, initial={"consent_text_id": text.pk if text else None}
    )
    if request.method == "POST" and form.is_valid() and text is not None:
        chosen = get_scoped_or_404(_texts(actor), pk=form.cleaned_data["consent_text_id"])
        try:
            consent.sign_in_person(
                actor=actor,
                client=client,
                text=chosen,
                typed_name=form.cleaned_data["typed_name"],
                agreed=form.cleaned_data["agreed"],
                drawn_signature=form.cleaned_data["drawn_signature"],
                via="tablet",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("web:consent_sign", client_id=client.pk)
        else:
            messages.success(
                request, "Thank you: the consent is signed. Please hand the device back."
            )
            return redirect("web:client_detail", client_id=client.pk)
    return render(
        request,
        "clients/consent_sign.html",
        {"client": client, "text": text, "form": form},
        status=422 if form.errors else 200,
    )


def _signature(actor: StaffActor, signature_id: uuid.UUID) -> ConsentSignature:
    qs = ConsentSignature.objects.for_member(actor.member, "view").select_related(
        "client", "text", "recorded_by", "withdrawal__recorded_by"
    )
    return get_scoped_or_404(qs, pk=signature_id)


@member_required("client.view")
def signature_detail(request: MemberRequest, signature_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    signature = _signature(actor, signature_id)
    audit.record(actor, AuditAction.READ, signature)
    return render(
        request,
        "clients/signature_detail.html",
        {
            "signature": signature,
            "client": signature.client,
            "withdraw_form": WithdrawForm(),
            "can_edit": actor.can("client.edit"),
        },
    )


@require_POST
@member_required("client.edit")
def signature_withdraw(request: MemberRequest, signature_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    signature = _signature(actor, signature_id)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        consent.withdraw(actor=actor, signature=signature, reason=reason)
    except (ValidationError, Conflict) as exc:
        messages.error(
            request, exc.message if isinstance(exc, Conflict) else " ".join(exc.messages)
        )
    else:
        messages.warning(
            request, "Withdrawal recorded. No session can be charted until the client signs again."
        )
    return redirect("web:signature_detail", signature_id=signature.pk)
