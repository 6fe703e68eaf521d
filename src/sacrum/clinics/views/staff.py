"""Staff: who works here in which role, invitations out, deactivation and role changes."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sacrum.clinics import selectors, services
from sacrum.clinics.forms import InvitationForm, MemberRoleForm
from sacrum.clinics.models import Membership
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest


@member_required("staff.view")
def staff_list(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    can_manage = actor.can("staff.manage")
    return render(
        request,
        "clinics/staff_list.html",
        {
            "members": selectors.members_for(actor),
            "invitations": selectors.pending_invitations_for(actor) if can_manage else [],
            "can_manage": can_manage,
        },
    )


@member_required("staff.manage")
def staff_invite(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite(
                actor=actor, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. The link is valid for "
                f"{services.INVITATION_DAYS} days.",
            )
            return redirect("web:staff_list")
    return render(request, "clinics/staff_invite.html", {"form": form})


@require_POST
@member_required("staff.manage")
def invitation_revoke(request: MemberRequest, invitation_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    invitation = selectors.invitation_for(actor, invitation_id)
    if invitation.accepted_at or invitation.revoked_at:
        messages.info(request, f"The invitation to {invitation.email} was already closed.")
    else:
        services.revoke_invitation(actor=actor, invitation=invitation)
        messages.success(request, f"The invitation to {invitation.email} was revoked.")
    return redirect("web:staff_list")


def _member_page(
    request: HttpRequest, member: Membership, role_form: MemberRoleForm, access_error: str = ""
) -> HttpResponse:
    return render(
        request,
        "clinics/member_manage.html",
        {"staff": member, "role_form": role_form, "access_error": access_error},
    )


@member_required("staff.manage")
def member_manage(request: MemberRequest, membership_id: uuid.UUID) -> HttpResponse:
    """Change a member's role. The service keeps at least one active owner."""
    actor = StaffActor.from_request(request)
    member = selectors.member_for(actor, membership_id)
    form = MemberRoleForm(request.POST or None, initial={"role": member.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_membership(actor=actor, member=member, role=form.cleaned_data["role"])
        except ValidationError as exc:
            member.refresh_from_db()
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"{member.user.display_name} is now {member.get_role_display().lower()}."
            )
            return redirect("web:staff_list")
    return _member_page(request, member, form)


@require_POST
@member_required("staff.manage")
def member_active(request: MemberRequest, membership_id: uuid.UUID) -> HttpResponse:
    """Deactivate (keeps their history, ends their access) or reactivate a member."""
    actor = StaffActor.from_request(request)
    member = selectors.member_for(actor, membership_id)
    active = request.POST.get("active") == "1"
    try:
        services.change_membership(actor=actor, member=member, active=active)
    except ValidationError as exc:
        member.refresh_from_db()
        form = MemberRoleForm(initial={"role": member.role})
        return _member_page(request, member, form, access_error=" ".join(exc.messages))
    name = member.user.display_name
    if active:
        messages.success(request, f"{name} can use the clinic again.")
    else:
        messages.success(request, f"{name} was deactivated and can no longer use the clinic.")
    return redirect("web:staff_list")
