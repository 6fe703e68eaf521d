"""The clinic and its people as FHIR: Organization, Location, Practitioner,
PractitionerRole and HealthcareService (the services it books)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from sacrum.clinics.models import Clinic, Credential, Location, Membership, Room
from sacrum.exports.fhir.common import TIMEZONE_EXTENSION, identifier, ref
from sacrum.exports.fhir.common import person_name as _name
from sacrum.scheduling.models import ServiceType

SACRUM_ROLE = "urn:sacrum:role"


def organization(clinic: Clinic) -> dict[str, Any]:
    telecom = [
        {"system": system, "value": value}
        for system, value in (
            ("email", clinic.email),
            ("phone", clinic.phone),
            ("url", clinic.website),
        )
        if value
    ]
    found: dict[str, Any] = {
        "resourceType": "Organization",
        "id": str(clinic.pk),
        "identifier": [
            *identifier("clinic", clinic.pk),
            {"system": "urn:sacrum:slug", "value": clinic.slug},
        ],
        "active": True,
        "type": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                        "code": "prov",
                        "display": "Healthcare Provider",
                    }
                ]
            }
        ],
        "name": clinic.name,
        "extension": [{"url": TIMEZONE_EXTENSION, "valueCode": clinic.time_zone}],
    }
    if telecom:
        found["telecom"] = telecom
    return found


def organizations(rows: list[Clinic]) -> Iterable[dict[str, Any]]:
    return [organization(c) for c in rows]


def _location(location: Location) -> dict[str, Any]:
    address: dict[str, Any] = {
        key: value
        for key, value in (
            ("city", location.city),
            ("postalCode", location.postal_code),
            ("country", location.country),
        )
        if value
    }
    if location.address_line:
        address["line"] = [location.address_line]
    found: dict[str, Any] = {
        "resourceType": "Location",
        "id": str(location.pk),
        "identifier": identifier("location", location.pk),
        "status": "active" if location.active else "inactive",
        "name": location.name,
        "mode": "instance",
        "physicalType": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                    "code": "bu",
                    "display": "Building",
                }
            ]
        },
        "managingOrganization": ref("Organization", location.clinic_id),
        "extension": [{"url": TIMEZONE_EXTENSION, "valueCode": location.time_zone}],
    }
    if address:
        found["address"] = address
    if location.phone:
        found["telecom"] = [{"system": "phone", "value": location.phone}]
    return found


def _room(room: Room) -> dict[str, Any]:
    return {
        "resourceType": "Location",
        "id": str(room.pk),
        "identifier": identifier("room", room.pk),
        "status": "active" if room.active else "inactive",
        "name": f"{room.location.name}: {room.name}",
        "mode": "instance",
        "physicalType": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                    "code": "ro",
                    "display": "Room",
                }
            ]
        },
        "partOf": ref("Location", room.location_id),
        "managingOrganization": ref("Organization", room.location.clinic_id),
    }


def locations(rows: list[Location | Room]) -> Iterable[dict[str, Any]]:
    return [_room(r) if isinstance(r, Room) else _location(r) for r in rows]


def members_of(clinic: Clinic) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(clinic=clinic)
        .select_related("user", "practitioner_profile")
        .prefetch_related(
            Prefetch(
                "practitioner_profile__credentials",
                queryset=Credential.objects.order_by("issued_on", "id"),
            ),
            "offered_services",
        )
    )


def _practitioner(member: Membership) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": str(member.pk),
        "identifier": identifier("membership", member.pk),
        "active": member.active,
        "name": [{"text": _name(member)}],
        "telecom": [{"system": "email", "value": member.user.email}],
    }
    profile = getattr(member, "practitioner_profile", None)
    if profile is not None:
        qualifications = [
            {
                "identifier": identifier("credential", c.pk),
                "code": {"text": f"{c.title}{f' ({c.level})' if c.level else ''}"},
                "issuer": {"display": c.issuing_body},
                "period": {
                    "start": c.issued_on.isoformat(),
                    **({"end": c.expires_on.isoformat()} if c.expires_on else {}),
                },
                "extension": [
                    {
                        "url": "urn:sacrum:fhir:StructureDefinition/verification-state",
                        "valueCode": c.verification_state,
                    }
                ],
            }
            for c in profile.credentials.all()
        ]
        if qualifications:
            found["qualification"] = qualifications
        if profile.languages:
            found["communication"] = [{"text": str(lang)} for lang in profile.languages]
    return found


def practitioners(rows: list[Membership]) -> Iterable[dict[str, Any]]:
    return [_practitioner(m) for m in rows]


def _role(member: Membership) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": str(member.pk),
        "identifier": identifier("membership", member.pk),
        "active": member.active,
        "practitioner": ref("Practitioner", member.pk, _name(member)),
        "organization": ref("Organization", member.clinic_id),
        "code": [
            {
                "coding": [
                    {
                        "system": SACRUM_ROLE,
                        "code": member.role,
                        "display": str(member.get_role_display()),
                    }
                ]
            }
        ],
        "period": {"start": member.joined_at.date().isoformat()},
    }
    profile = getattr(member, "practitioner_profile", None)
    if profile is not None:
        found["specialty"] = [{"text": str(profile.get_profession_display())}]
    services = [ref("HealthcareService", s.pk) for s in member.offered_services.all()]
    if services:
        found["healthcareService"] = services
    return found


def practitioner_roles(rows: list[Membership]) -> Iterable[dict[str, Any]]:
    return [_role(m) for m in rows]


def _service(service: ServiceType) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "id": str(service.pk),
        "identifier": identifier("service", service.pk),
        "active": service.active,
        "providedBy": ref("Organization", service.clinic_id),
        "name": service.name,
        "extraDetails": (
            f"{service.duration_minutes} minutes; price {service.price}; "
            f"{'bookable online' if service.bookable_online else 'booked by the clinic'}"
            f"{'; new clients only' if service.new_clients_only else ''}"
        ),
        "appointmentRequired": True,
    }
    if service.description:
        found["comment"] = service.description
    return found


def services(rows: list[ServiceType]) -> Iterable[dict[str, Any]]:
    return [_service(s) for s in rows]
