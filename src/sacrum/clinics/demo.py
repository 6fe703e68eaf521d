"""Demo: the Stillwater practice (two locations), its staff, profiles and credentials."""

from __future__ import annotations

import datetime as dt
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
    Room,
    VerificationState,
)

ORDER = 10

STAFF = [
    # key, e-mail, name, role, profession, bio, languages
    (
        "owner",
        "maya@stillwater.example",
        "Maya Okafor",
        Role.OWNER,
        "osteopath",
        "Osteopath since 2009; craniosacral work for adults with headaches and neck pain.",
        ["English", "Yoruba"],
    ),
    (
        "practitioner",
        "jonas@stillwater.example",
        "Jonas Weber",
        Role.PRACTITIONER,
        "massage_therapist",
        "Massage therapist with a CST practice focused on jaw tension and stress.",
        ["English", "German"],
    ),
    (
        "practitioner2",
        "lena@stillwater.example",
        "Lena Fischer",
        Role.PRACTITIONER,
        "physical_therapist",
        "Physical therapist; combines light-touch work with graded movement.",
        ["English", "German", "French"],
    ),
    ("front_desk", "sam@stillwater.example", "Sam Patel", Role.FRONT_DESK, None, "", []),
]

CREDENTIALS: dict[str, list[tuple[str, str, str, int, int | None, str]]] = {
    "owner": [
        ("General Osteopathic Council", "Registered Osteopath", "", 2009, None, "verified"),
        ("Upledger Institute", "CranioSacral Therapy", "CST2", 2014, None, "verified"),
    ],
    "practitioner": [
        ("Upledger Institute", "CranioSacral Therapy", "CST1", 2019, None, "verified"),
        (
            "Federation of Holistic Therapists",
            "Massage therapy diploma",
            "Level 4",
            2017,
            2027,
            "unverified",
        ),
    ],
    "practitioner2": [
        ("Health and Care Professions Council", "Physiotherapist", "", 2012, 2027, "verified"),
        (
            "Craniosacral Therapy Association",
            "Foundation course",
            "Year 1",
            2023,
            None,
            "unverified",
        ),
    ],
}


def _user(email: str, name: str, password: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=name)
    mark_email_verified(user=user)  # set up by the operator: staff can turn on 2FA
    return user


def seed(ctx: dict[str, Any]) -> str:
    password = ctx["password"]
    clinic, created = Clinic.objects.get_or_create(
        slug="stillwater",
        defaults={
            "name": "Stillwater Craniosacral Practice",
            "time_zone": "Europe/London",
            "email": "hello@stillwater.example",
            "phone": "+44 117 496 0123",
            "website": "https://stillwater.example",
        },
    )
    ctx["clinic"] = clinic
    bristol, _ = Location.objects.get_or_create(
        clinic=clinic,
        name="Bristol — Harbourside",
        defaults={
            "address_line": "14 Anchor Road",
            "city": "Bristol",
            "postal_code": "BS1 5DB",
            "country": "GB",
            "time_zone": "Europe/London",
            "phone": "+44 117 496 0123",
        },
    )
    bath, _ = Location.objects.get_or_create(
        clinic=clinic,
        name="Bath — Walcot Street",
        defaults={
            "address_line": "3 Walcot Street",
            "city": "Bath",
            "postal_code": "BA1 5BG",
            "country": "GB",
            "time_zone": "Europe/London",
        },
    )
    for location, names in (
        (bristol, ["Willow room", "Cedar room", "Studio"]),
        (bath, ["Garden room", "Quiet room"]),
    ):
        for name in names:
            Room.objects.get_or_create(location=location, name=name)
    ctx["locations"] = [bristol, bath]

    members: dict[str, Membership] = {}
    for key, email, name, role, profession, bio, languages in STAFF:
        user = _user(email, name, password)
        member, _ = Membership.objects.get_or_create(
            clinic=clinic, user=user, defaults={"role": role}
        )
        members[key] = member
        ctx["logins"].append((role.label, email))
        if profession:
            profile, _ = PractitionerProfile.objects.get_or_create(
                membership=member,
                defaults={
                    "display_name": name,
                    "profession": profession,
                    "bio": bio,
                    "languages": languages,
                    "listed_publicly": True,
                },
            )
            for body, title, level, year, expiry, state in CREDENTIALS.get(key, []):
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
                        "verified_by": members["owner"].user
                        if state == VerificationState.VERIFIED
                        else None,
                    },
                )
    ctx["members"] = members

    # Jonas also works at a second clinic, to show the clinic switcher.
    harbour, _ = Clinic.objects.get_or_create(
        slug="harbour-wellbeing",
        defaults={"name": "Harbour Wellbeing Centre", "time_zone": "Europe/London"},
    )
    Location.objects.get_or_create(
        clinic=harbour,
        name="Clifton",
        defaults={"city": "Bristol", "country": "GB", "time_zone": "Europe/London"},
    )
    harbour_owner = _user("ines@harbour.example", "Inès Moreau", password)
    Membership.objects.get_or_create(
        clinic=harbour, user=harbour_owner, defaults={"role": Role.OWNER}
    )
    Membership.objects.get_or_create(
        clinic=harbour, user=members["practitioner"].user, defaults={"role": Role.PRACTITIONER}
    )
    verb = "created" if created else "already present"
    return f"Clinic {clinic.name}: {verb}, 2 locations, 5 rooms, {len(members)} staff"
