"""The owner's directory settings and a practitioner's public details."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from sacrum.clinics import selectors as clinic_selectors
from sacrum.clinics.models import PractitionerProfile
from sacrum.clinics.services import may_edit_profile
from sacrum.directory import services
from sacrum.directory.forms import DirectorySettingsForm, ListingForm
from sacrum.directory.models import HiddenService
from sacrum.directory.selectors import profile_url
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.scheduling.models import ServiceType


@member_required("clinic.manage")
def directory_settings(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    clinic = request.member.clinic
    profiles = list(
        PractitionerProfile.objects.filter(membership__clinic=clinic).select_related("listing")
    )
    all_services = list(ServiceType.objects.filter(clinic=clinic).order_by("name"))
    hidden = set(
        HiddenService.objects.filter(service__clinic=clinic).values_list("service_id", flat=True)
    )
    initial = {
        "directory_enabled": clinic.directory_enabled,
        "public_description": clinic.public_description,
        "profiles": [str(p.pk) for p in profiles if p.listed_publicly],
        "services": [str(s.pk) for s in all_services if s.pk not in hidden],
    }
    form = DirectorySettingsForm(
        request.POST or None, initial=initial, profiles=profiles, services=all_services
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_directory(
                actor=actor,
                clinic=clinic,
                data={
                    "directory_enabled": data["directory_enabled"],
                    "public_description": data["public_description"],
                },
                listed_profiles=data["profiles"],
                listed_services=data["services"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The directory settings were saved.")
            return redirect("web:directory_settings")
    rows = [(p, profile_url(p.listing.slug) if hasattr(p, "listing") else "") for p in profiles]
    return render(
        request,
        "directory/settings.html",
        {
            "form": form,
            "clinic": clinic,
            "rows": rows,
            "offline_services": [s for s in all_services if not (s.active and s.bookable_online)],
        },
    )


@member_required("profile.edit_own")
def listing_edit(request: MemberRequest, profile_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    profile = clinic_selectors.profile_for(actor, profile_id)
    if not may_edit_profile(actor, profile.membership_id):
        raise PermissionDenied("Only the practitioner and the clinic's owners can change this.")
    listing = getattr(profile, "listing", None)
    form = ListingForm(
        request.POST or None,
        request.FILES or None,
        initial={"conditions": listing.conditions if listing else []},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_listing(
                actor=actor,
                profile=profile,
                conditions=form.cleaned_data["conditions"],
                photo=form.cleaned_data["photo"],
                remove_photo=form.cleaned_data["remove_photo"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "The public details were saved.")
            return redirect("web:profile_detail", profile_id=profile.pk)
    return render(
        request,
        "directory/listing_form.html",
        {"form": form, "profile": profile, "listing": listing},
    )
