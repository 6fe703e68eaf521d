"""Writes of the directory: what the owner lists, and a practitioner's public details."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from sacrum.access import audit
from sacrum.access.changes import apply_changes
from sacrum.access.models import AuditAction
from sacrum.clinics.models import Clinic, PractitionerProfile
from sacrum.clinics.services import may_edit_profile
from sacrum.directory.models import HiddenService, Listing
from sacrum.directory.photos import resized_photo
from sacrum.directory.slugs import ensure_listing
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Forbidden
from sacrum.kernel.permissions import require
from sacrum.scheduling.models import ServiceType

CLINIC_FIELDS = ("directory_enabled", "public_description")


@transaction.atomic
def update_directory(
    *,
    actor: StaffActor,
    clinic: Clinic,
    data: dict[str, Any],
    listed_profiles: Iterable[Any],
    listed_services: Iterable[Any],
) -> Clinic:
    """The owner's switches: the directory on or off, the description, who and what is listed."""
    require(actor, "clinic.manage")
    if clinic.pk != actor.member.clinic_id:
        raise Forbidden("Only this clinic's own settings can be changed here.")
    if apply_changes(clinic, data, CLINIC_FIELDS):
        clinic.save(update_fields=list(CLINIC_FIELDS))
        audit.record(actor, AuditAction.UPDATE, clinic)
    wanted = {str(pk) for pk in listed_profiles}
    for profile in PractitionerProfile.objects.filter(membership__clinic=clinic):
        listed = str(profile.pk) in wanted
        if profile.listed_publicly != listed:
            profile.listed_publicly = listed
            profile.save(update_fields=["listed_publicly"])
            audit.record(actor, AuditAction.UPDATE, profile)
    shown = {str(pk) for pk in listed_services}
    services = list(ServiceType.objects.filter(clinic=clinic))
    hidden = set(
        HiddenService.objects.filter(service__clinic=clinic).values_list("service_id", flat=True)
    )
    for service in services:
        if str(service.pk) in shown and service.pk in hidden:
            HiddenService.objects.filter(service=service).delete()
            audit.record(actor, AuditAction.UPDATE, service)
        elif str(service.pk) not in shown and service.pk not in hidden:
            HiddenService.objects.create(service=service)
            audit.record(actor, AuditAction.UPDATE, service)
    return clinic


@transaction.atomic
def update_listing(
    *,
    actor: StaffActor,
    profile: PractitionerProfile,
    conditions: list[str],
    photo: UploadedFile[bytes] | None = None,
    remove_photo: bool = False,
) -> Listing:
    """The practitioner (or an owner) sets the conditions people come for and the photo."""
    if not may_edit_profile(actor, profile.membership_id):
        raise Forbidden("Only the practitioner or an owner can change this profile.")
    listing = ensure_listing(profile)
    apply_changes(listing, {"conditions": conditions}, ("conditions",))
    if remove_photo and listing.photo:
        listing.photo.delete(save=False)
        listing.photo = ""
    if photo is not None:
        content = resized_photo(photo)
        if listing.photo:
            listing.photo.delete(save=False)
        listing.photo.save(content.name or "photo.jpg", content, save=False)
    listing.save()
    audit.record(actor, AuditAction.UPDATE, listing)
    return listing
