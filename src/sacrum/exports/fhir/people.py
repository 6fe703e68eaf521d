"""Clients as FHIR Patients, and their signed consents as Consent resources."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sacrum.clients.models import Client, ConsentSignature
from sacrum.exports.fhir.common import LOINC, attachment, identifier, instant, ref

PRONOUNS_EXTENSION = "http://hl7.org/fhir/StructureDefinition/individual-pronouns"


def patient(client: Client) -> dict[str, Any]:
    names: list[dict[str, Any]] = [
        {"use": "official", "family": client.last_name, "given": [client.first_name]}
    ]
    if client.preferred_name:
        names.append({"use": "usual", "family": client.last_name, "given": [client.preferred_name]})
    found: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(client.pk),
        "identifier": identifier("client", client.pk),
        "active": not client.archived,
        "name": names,
        "birthDate": client.date_of_birth.isoformat(),
        "managingOrganization": ref("Organization", client.clinic_id),
    }
    telecom = [
        {"system": system, "value": value}
        for system, value in (("email", client.email), ("phone", client.phone))
        if value
    ]
    if telecom:
        found["telecom"] = telecom
    if client.address:
        found["address"] = [{"text": client.address}]
    if client.emergency_contact_name or client.emergency_contact_phone:
        contact: dict[str, Any] = {
            "relationship": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                            "code": "C",
                            "display": "Emergency Contact",
                        }
                    ],
                    **(
                        {"text": client.emergency_contact_relationship}
                        if client.emergency_contact_relationship
                        else {}
                    ),
                }
            ]
        }
        if client.emergency_contact_name:
            contact["name"] = {"text": client.emergency_contact_name}
        if client.emergency_contact_phone:
            contact["telecom"] = [{"system": "phone", "value": client.emergency_contact_phone}]
        found["contact"] = [contact]
    physician = ", ".join(
        x
        for x in (
            client.physician_name,
            client.physician_practice,
            client.physician_phone,
            client.physician_email,
        )
        if x
    )
    if physician:
        found["generalPractitioner"] = [{"display": physician}]
    if client.preferred_language:
        found["communication"] = [
            {"language": {"text": client.preferred_language}, "preferred": True}
        ]
    if client.pronouns:
        found["extension"] = [
            {"url": PRONOUNS_EXTENSION, "valueCodeableConcept": {"text": client.pronouns}}
        ]
    return found


def patients(rows: list[Client]) -> Iterable[dict[str, Any]]:
    return [patient(c) for c in rows]


def consent(signature: ConsentSignature) -> dict[str, Any]:
    """One signature of one consent text version: what, who, when; withdrawn is inactive."""
    text = signature.text
    withdrawal = getattr(signature, "withdrawal", None)
    body = f"{text.title} (version {text.version})\n\n{text.body}".encode()
    provision: dict[str, Any] = {
        "type": "permit",
        "period": {"start": instant(signature.signed_at)},
    }
    if withdrawal is not None:
        provision["period"]["end"] = instant(withdrawal.withdrawn_at)
    return {
        "resourceType": "Consent",
        "id": str(signature.pk),
        "identifier": identifier("consent-signature", signature.pk),
        "status": "inactive" if withdrawal is not None else "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "treatment",
                    "display": "Treatment",
                }
            ]
        },
        "category": [
            {"coding": [{"system": LOINC, "code": "59284-0", "display": "Consent Document"}]}
        ],
        "patient": ref("Patient", signature.client_id),
        "dateTime": instant(signature.signed_at),
        "organization": [ref("Organization", text.clinic_id)],
        "sourceAttachment": attachment(
            body,
            "text/plain; charset=utf-8",
            f"{text.title} (version {text.version})",
            text.created_at,
        ),
        "policy": [{"uri": f"urn:sacrum:consent-text:{text.pk}"}],
        "verification": [
            {
                "verified": True,
                "verifiedWith": ref("Patient", signature.client_id, signature.typed_name),
                "verificationDate": instant(signature.signed_at),
            }
        ],
        "provision": provision,
    }


def consents(rows: list[ConsentSignature]) -> Iterable[dict[str, Any]]:
    return [consent(s) for s in rows]
