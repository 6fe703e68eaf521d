"""Practitioner profiles and credentials: evidence stays private, owners verify."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from sacrum.access.roles import Role
from sacrum.clinics import selectors, services
from sacrum.clinics.forms import CredentialForm, ProfileForm, VerificationForm
from sacrum.clinics.models import Credential, PractitionerProfile
from sacrum.kernel.actor import Actor, StaffActor
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest


def _require_editor(actor: Actor, membership_id: object) -> None:
    """Refuse the page up front, with the same rule the service applies on saving."""
    if not services.may_edit_profile(actor, membership_id):
        raise PermissionDenied("Only the practitioner and the clinic's owners can change this.")


@member_required("profile.view")
def practitioner_list(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    member = request.member
    without_profile = list(selectors.members_without_profile(actor))
    return render(
        request,
        "clinics/practitioner_list.html",
        {
            "profiles": selectors.profiles_with_counts(actor),
            "needs_own": next((m for m in without_profile if m.pk == member.pk), None),
            "others_without": [m for m in without_profile if m.pk != member.pk]
            if actor.can("profile.manage")
            else [],
        },
    )


@member_required("profile.edit_own")
def profile_create(request: MemberRequest, membership_id: uuid.UUID) -> HttpResponse:
    """Start a profile: your own, or (owners) a colleague's."""
    actor = StaffActor.from_request(request)
    member = selectors.member_for(actor, membership_id)
    _require_editor(actor, member.pk)
    existing = PractitionerProfile.objects.filter(membership=member).first()
    if existing is not None:
        return redirect("web:profile_edit", profile_id=existing.pk)
    if member.role == Role.FRONT_DESK:
        messages.info(request, "Front-desk staff do not have practitioner profiles.")
        return redirect("web:practitioner_list")
    form = ProfileForm(request.POST or None, initial={"display_name": member.user.display_name})
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.save_profile(actor=actor, member=member, data=form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The profile was created.")
            return redirect("web:profile_detail", profile_id=profile.pk)
    return render(
        request, "clinics/profile_form.html", {"form": form, "profile": None, "staff": member}
    )


@member_required("profile.view")
def profile_detail(request: MemberRequest, profile_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    profile = selectors.profile_for(actor, profile_id)
    return render(
        request,
        "clinics/profile_detail.html",
        {
            "profile": profile,
            "credentials": selectors.credentials_for(actor).filter(profile=profile),
            "can_edit": services.may_edit_profile(actor, profile.membership_id),
            "can_verify": actor.can("credential.verify"),
            "today": timezone.localdate(),
        },
    )


@member_required("profile.view")
def profile_edit(request: MemberRequest, profile_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    profile = selectors.profile_for(actor, profile_id)
    _require_editor(actor, profile.membership_id)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_profile(actor=actor, member=profile.membership, data=form.service_data())
        except ValidationError as exc:
            profile.refresh_from_db()
            add_service_errors(form, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect("web:profile_detail", profile_id=profile.pk)
    return render(request, "clinics/profile_form.html", {"form": form, "profile": profile})


@member_required("profile.view")
def credential_create(request: MemberRequest, profile_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    profile = selectors.profile_for(actor, profile_id)
    _require_editor(actor, profile.membership_id)
    form = CredentialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_credential(
                actor=actor,
                profile=profile,
                data=form.service_data(),
                evidence=form.cleaned_data["evidence"] or None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The credential was added. An owner will verify it.")
            return redirect("web:profile_detail", profile_id=profile.pk)
    return render(
        request,
        "clinics/credential_form.html",
        {"form": form, "profile": profile, "credential": None},
    )


def _credential_to_edit(actor: StaffActor, credential_id: uuid.UUID) -> Credential:
    credential = selectors.credential_for(actor, credential_id)
    _require_editor(actor, credential.profile.membership_id)
    return credential


@member_required("profile.view")
def credential_edit(request: MemberRequest, credential_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    credential = _credential_to_edit(actor, credential_id)
    form = CredentialForm(request.POST or None, request.FILES or None, instance=credential)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_credential(
                actor=actor,
                credential=credential,
                data=form.service_data(),
                evidence=form.cleaned_data["evidence"] or None,
            )
        except ValidationError as exc:
            credential.refresh_from_db()
            add_service_errors(form, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect("web:profile_detail", profile_id=credential.profile_id)
    return render(
        request,
        "clinics/credential_form.html",
        {"form": form, "profile": credential.profile, "credential": credential},
    )


@require_POST
@member_required("profile.view")
def credential_delete(request: MemberRequest, credential_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    credential = _credential_to_edit(actor, credential_id)
    profile_id, title = credential.profile_id, credential.title
    services.delete_credential(actor=actor, credential=credential)
    messages.success(request, f"{title} was deleted.")
    return redirect("web:profile_detail", profile_id=profile_id)


@require_POST
@member_required("credential.verify")
def credential_verify(request: MemberRequest, credential_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    credential = selectors.credential_for(actor, credential_id)
    form = VerificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose Verify or Reject.")
    else:
        services.set_verification(
            actor=actor, credential=credential, state=form.cleaned_data["state"]
        )
        messages.success(
            request,
            f"{credential.title}: {credential.get_verification_state_display().lower()}.",
        )
    return redirect("web:profile_detail", profile_id=credential.profile_id)


@member_required("profile.view")
def credential_evidence(request: MemberRequest, credential_id: uuid.UUID) -> FileResponse:
    """The private evidence file, as a download, to members of the same clinic only."""
    credential = selectors.evidence_for(StaffActor.from_request(request), credential_id)
    suffix = (credential.evidence.name or "").rsplit(".", 1)[-1].lower()
    filename = f"{slugify(credential.title) or 'credential'}-evidence.{suffix}"
    response = FileResponse(credential.evidence.open("rb"), as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response
