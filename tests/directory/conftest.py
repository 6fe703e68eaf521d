"""Directory fixtures: Stillwater listed in Bristol (Pat), and a second clinic in Bath.

Pat is listed, offers a listed service and a hidden one, works weekdays 09:00-17:00 in
Bristol (coordinates on the location) and has a verified, an unverified and an expired
verified credential. The owner has a profile but is not listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from sacrum.clinics.models import (
    Clinic,
    Credential,
    Location,
    PractitionerProfile,
    Profession,
    Room,
    VerificationState,
)
from sacrum.directory import limits
from sacrum.directory.models import HiddenService, Listing
from sacrum.scheduling.models import ServiceType
from tests.conftest import Persona
from tests.scheduling.conftest import give_hours


@dataclass
class World:
    clinic: Clinic
    location: Location
    profile: PractitionerProfile
    listing: Listing
    service: ServiceType
    hidden: ServiceType
    owner_profile: PractitionerProfile
    practitioner: Persona
    owner: Persona


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """Each process keeps its own batch of counts (``directory.limits``): none from before."""
    limits.reset()


@pytest.fixture(autouse=True)
def files_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": "/nowhere/"},
        },
    }


def credential(profile: PractitionerProfile, title: str, state: str, **extra: Any) -> Credential:
    return Credential.objects.create(
        profile=profile,
        issuing_body=extra.pop("issuing_body", "Upledger Institute"),
        title=title,
        issued_on=extra.pop("issued_on", dt.date(2015, 6, 1)),
        verification_state=state,
        verified_at=timezone.now() if state != VerificationState.UNVERIFIED else None,
        **extra,
    )


@pytest.fixture
def world(clinic: Clinic, owner: Persona, practitioner: Persona) -> World:
    clinic.directory_enabled = True
    clinic.currency = "GBP"
    clinic.save()
    location = Location.objects.create(
        clinic=clinic,
        name="Harbourside",
        address_line="14 Anchor Road",
        city="Bristol",
        postal_code="BS1 5DB",
        country="GB",
        time_zone="Europe/London",
        latitude=Decimal("51.44964"),
        longitude=Decimal("-2.59778"),
    )
    Room.objects.create(location=location, name="Willow")
    service = ServiceType.objects.create(
        clinic=clinic, name="Craniosacral session", duration_minutes=50, price=Decimal("65.00")
    )
    hidden = ServiceType.objects.create(
        clinic=clinic, name="Secret session", duration_minutes=30, price=Decimal("10.00")
    )
    HiddenService.objects.create(service=hidden)
    for s in (service, hidden):
        s.practitioners.set([practitioner.member, owner.member])
    give_hours(practitioner.member, location)
    give_hours(owner.member, location)
    profile = PractitionerProfile.objects.create(
        membership=practitioner.member,
        display_name="Pat Practitioner",
        profession=Profession.OSTEOPATH,
        bio="I work gently.",
        languages=["English", "German"],
        listed_publicly=True,
    )
    listing = Listing.objects.get(profile=profile)
    listing.conditions = ["migraine_headache", "neck_pain"]
    listing.save()
    owner_profile = PractitionerProfile.objects.create(
        membership=owner.member,
        display_name="Olivia Owner",
        profession=Profession.MASSAGE_THERAPIST,
        listed_publicly=False,
    )
    today = timezone.localdate()
    credential(profile, "CranioSacral Therapy CST1", VerificationState.VERIFIED, level="CST1")
    credential(profile, "Unchecked Diploma", VerificationState.UNVERIFIED)
    credential(
        profile,
        "Lapsed Registration",
        VerificationState.VERIFIED,
        expires_on=today - dt.timedelta(days=1),
    )
    return World(
        clinic, location, profile, listing, service, hidden, owner_profile, practitioner, owner
    )
