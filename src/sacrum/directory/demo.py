"""Demo: the directory on at Stillwater, and two more listed clinics in other towns.

Stillwater's places get coordinates and its practitioners the conditions people come
for; Harbour Wellbeing keeps its directory off (it appears nowhere). Cotswold Cranial
(Cheltenham) and Exe Valley Craniosacral (Exeter) each list two practitioners with
services, weekly hours, and credentials that are verified, not verified, and verified
but expired (never shown as verified).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from sacrum.access.accounts import mark_email_verified
from sacrum.access.models import User
from sacrum.access.roles import Role
from sacrum.clinics.models import (
    Clinic,
    Credential,
    Location,
    Membership,
    PractitionerProfile,
    Profession,
    Room,
    VerificationState,
)
from sacrum.directory.models import Listing
from sacrum.directory.slugs import ensure_listing
from sacrum.scheduling.models import SchedulingPolicy, ServiceType, WeeklyHours

ORDER = 55

STILLWATER_PLACES = {"Bristol": ("51.44964", "-2.59778"), "Bath": ("51.38370", "-2.35710")}
STILLWATER_CONDITIONS = [
    ["migraine_headache", "neck_pain", "back_pain", "stress_anxiety"],
    ["tmj", "sinus", "sleep", "migraine_headache"],
    ["fibromyalgia", "back_pain", "stress_anxiety"],
]

CLINICS = [
    {
        "slug": "cotswold-cranial",
        "name": "Cotswold Cranial",
        "description": "A small practice near Montpellier Gardens, two minutes from the bus station.",
        "location": (
            "Cheltenham — Montpellier",
            "12 Montpellier Walk",
            "Cheltenham",
            "GL50 1SD",
            "51.89490",
            "-2.07860",
        ),
        "people": [
            (
                "mara@cotswold.example",
                "Mara Lindqvist",
                Role.OWNER,
                Profession.OSTEOPATH,
                ["English", "Swedish"],
                ["back_pain", "neck_pain", "migraine_headache"],
                [
                    ("Upledger Institute", "CranioSacral Therapy", "CST1", 2016, None, "verified"),
                    (
                        "General Osteopathic Council",
                        "Registered Osteopath",
                        "",
                        2012,
                        2025,
                        "verified",
                    ),
                ],
            ),
            (
                "owen@cotswold.example",
                "Owen Price",
                Role.PRACTITIONER,
                Profession.MASSAGE_THERAPIST,
                ["English", "Welsh"],
                ["stress_anxiety", "sleep"],
                [
                    (
                        "Craniosacral Therapy Association",
                        "Diploma in Craniosacral Therapy",
                        "Diploma",
                        2021,
                        None,
                        "unverified",
                    )
                ],
            ),
        ],
    },
    {
        "slug": "exe-valley-craniosacral",
        "name": "Exe Valley Craniosacral",
        "description": "Ground-floor rooms with step-free access, near Exeter Central station.",
        "location": (
            "Exeter — Queen Street",
            "40 Queen Street",
            "Exeter",
            "EX4 3SR",
            "50.72560",
            "-3.53080",
        ),
        "people": [
            (
                "hanna@exevalley.example",
                "Hanna Becker",
                Role.OWNER,
                Profession.PHYSICAL_THERAPIST,
                ["English", "German"],
                ["neck_pain", "tmj", "migraine_headache"],
                [("Upledger Institute", "CranioSacral Therapy", "CST2", 2018, 2030, "verified")],
            ),
            (
                "tom@exevalley.example",
                "Tom Okafor",
                Role.PRACTITIONER,
                Profession.CHIROPRACTOR,
                ["English"],
                ["back_pain", "fibromyalgia"],
                [
                    (
                        "Biodynamic Craniosacral Therapy Association",
                        "Practitioner training",
                        "",
                        2022,
                        None,
                        "unverified",
                    )
                ],
            ),
        ],
    },
]
SERVICES = [("First visit", 75, "80.00", True), ("Craniosacral session", 50, "60.00", False)]


def _user(email: str, name: str, password: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=name)
    mark_email_verified(user=user)
    return user


def _stillwater(ctx: dict[str, Any]) -> None:
    clinic: Clinic = ctx["clinic"]
    clinic.directory_enabled = True
    clinic.public_description = (
        "A craniosacral practice with rooms on Bristol's harbourside and in central Bath."
    )
    clinic.save(update_fields=["directory_enabled", "public_description"])
    for location in ctx["locations"]:
        for town, (lat, lon) in STILLWATER_PLACES.items():
            if location.city == town and location.latitude is None:
                location.latitude, location.longitude = Decimal(lat), Decimal(lon)
                location.save(update_fields=["latitude", "longitude"])
    profiles = PractitionerProfile.objects.filter(membership__clinic=clinic).order_by(
        "display_name"
    )
    for profile, conditions in zip(profiles, STILLWATER_CONDITIONS, strict=False):
        listing = ensure_listing(profile)
        if not listing.conditions:
            listing.conditions = conditions
            listing.save(update_fields=["conditions"])


def _clinic(spec: dict[str, Any], password: str, logins: list[Any]) -> int:
    clinic, _ = Clinic.objects.get_or_create(
        slug=spec["slug"],
        defaults={
            "name": spec["name"],
            "time_zone": "Europe/London",
            "directory_enabled": True,
            "public_description": spec["description"],
        },
    )
    name, line, city, postcode, lat, lon = spec["location"]
    location, _ = Location.objects.get_or_create(
        clinic=clinic,
        name=name,
        defaults={
            "address_line": line,
            "city": city,
            "postal_code": postcode,
            "country": "GB",
            "time_zone": "Europe/London",
            "latitude": Decimal(lat),
            "longitude": Decimal(lon),
        },
    )
    Room.objects.get_or_create(location=location, name="Treatment room")
    Room.objects.get_or_create(location=location, name="Garden room")
    SchedulingPolicy.objects.get_or_create(clinic=clinic)
    services = [
        ServiceType.objects.get_or_create(
            clinic=clinic,
            name=service,
            defaults={
                "duration_minutes": minutes,
                "price": Decimal(price),
                "new_clients_only": new_only,
            },
        )[0]
        for service, minutes, price, new_only in SERVICES
    ]
    owner_user = None
    for index, (email, full, role, profession, languages, conditions, credentials) in enumerate(
        spec["people"]
    ):
        user = _user(email, full, password)
        member, _ = Membership.objects.get_or_create(
            clinic=clinic, user=user, defaults={"role": role}
        )
        logins.append((str(role.label), email))
        if role == Role.OWNER:
            owner_user = user
        profile, _ = PractitionerProfile.objects.get_or_create(
            membership=member,
            defaults={
                "display_name": full,
                "profession": profession,
                "bio": f"{full.split()[0]} works with adults and teenagers, in gentle sessions of "
                "50 to 75 minutes, and refers to a physician when a symptom needs one.",
                "languages": languages,
                "listed_publicly": True,
            },
        )
        listing = ensure_listing(profile)
        if not listing.conditions:
            Listing.objects.filter(pk=listing.pk).update(conditions=conditions)
        for service in services:
            service.practitioners.add(member)
        days = (0, 1, 2, 3) if index == 0 else (1, 3, 4, 5)
        for weekday in days:
            WeeklyHours.objects.get_or_create(
                practitioner=member,
                location=location,
                weekday=weekday,
                defaults={"start_time": dt.time(9), "end_time": dt.time(17)},
            )
        for body, title, level, year, expiry, state in credentials:
            Credential.objects.get_or_create(
                profile=profile,
                title=title,
                issuing_body=body,
                defaults={
                    "level": level,
                    "issued_on": dt.date(year, 6, 1),
                    "expires_on": dt.date(expiry, 6, 1) if expiry else None,
                    "verification_state": state,
                    "verified_at": timezone.now() if state != "unverified" else None,
                    "verified_by": owner_user if state == VerificationState.VERIFIED else None,
                },
            )
    return len(spec["people"])


def seed(ctx: dict[str, Any]) -> str:
    _stillwater(ctx)
    listed = sum(_clinic(spec, ctx["password"], ctx["logins"]) for spec in CLINICS)
    return (
        f"Directory: Stillwater listed (Bristol, Bath), {listed} practitioners in Cheltenham "
        "and Exeter; Harbour Wellbeing not listed"
    )
