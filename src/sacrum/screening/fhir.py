"""The referral as FHIR R4: a ServiceRequest and a DocumentReference (the PDF), in a Bundle.

Validated with ``fhir.resources.R4B`` before it leaves (the package's top-level models
are R5). Patient and Practitioner ride along so a receiving system can file it.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from django.utils import timezone

from sacrum.clinics.models import Credential, VerificationState
from sacrum.screening.models import ReferralLetter

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ID_SYSTEM = "urn:sacrum:id"


def _urn(value: Any) -> str:
    return f"urn:uuid:{value}"


def _patient(letter: ReferralLetter) -> dict[str, Any]:
    client = letter.client
    telecom = [
        {"system": system, "value": value}
        for system, value in (("email", client.email), ("phone", client.phone))
        if value
    ]
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": f"{ID_SYSTEM}:client", "value": str(client.pk)}],
        "name": [{"family": client.last_name, "given": [client.first_name]}],
        "birthDate": client.date_of_birth.isoformat(),
    }
    if telecom:
        resource["telecom"] = telecom
    if client.address:
        resource["address"] = [{"text": client.address}]
    return resource


def _practitioner(letter: ReferralLetter) -> dict[str, Any]:
    member = letter.author
    profile = getattr(member, "practitioner_profile", None)
    name = profile.display_name if profile else member.user.display_name
    resource: dict[str, Any] = {
        "resourceType": "Practitioner",
        "identifier": [{"system": f"{ID_SYSTEM}:membership", "value": str(member.pk)}],
        "name": [{"text": name}],
        "telecom": [{"system": "email", "value": member.user.email}],
    }
    if profile is not None:
        qualifications = [
            {
                "code": {"text": f"{c.title}{f' ({c.level})' if c.level else ''}"},
                "issuer": {"display": c.issuing_body},
                "period": {"start": c.issued_on.isoformat()},
            }
            for c in Credential.objects.filter(
                profile=profile, verification_state=VerificationState.VERIFIED
            )
        ]
        if qualifications:
            resource["qualification"] = qualifications
    return resource


def letter_bundle(letter: ReferralLetter, pdf: bytes) -> dict[str, Any]:
    """A validated FHIR R4 (R4B) Bundle for the letter; raises if anything is malformed."""
    from fhir.resources.R4B.bundle import Bundle

    patient_id, practitioner_id = letter.client_id, letter.author_id
    request_id = letter.pk
    document_id = uuid.uuid5(letter.pk, "document")
    final = not letter.is_draft
    when = letter.finalized_at or letter.updated_at or timezone.now()
    alerts = list(letter.alerts.select_related("rule"))
    service_request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": f"{ID_SYSTEM}:referral", "value": str(letter.pk)}],
        "status": "active" if final else "draft",
        "intent": "proposal",
        "priority": "urgent" if letter.urgent else "routine",
        "category": [
            {"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]}
        ],
        "code": {"text": "Medical assessment by the client's physician"},
        "subject": {"reference": _urn(patient_id)},
        "requester": {"reference": _urn(practitioner_id)},
        "performer": [{"display": letter.recipient_name}],
        "authoredOn": when.isoformat(),
        "note": [{"text": letter.reason}],
    }
    if alerts:
        service_request["reasonCode"] = [{"text": a.rule.title} for a in alerts]
    document = {
        "resourceType": "DocumentReference",
        "identifier": [{"system": f"{ID_SYSTEM}:referral-document", "value": str(letter.pk)}],
        "status": "current",
        "docStatus": "final" if final else "preliminary",
        "type": {"coding": [{"system": LOINC, "code": "57133-1", "display": "Referral note"}]},
        "subject": {"reference": _urn(patient_id)},
        "date": when.isoformat(),
        "author": [{"reference": _urn(practitioner_id)}],
        "description": letter.subject,
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "data": base64.b64encode(pdf).decode(),
                    "title": f"referral-{letter.letter_date:%Y-%m-%d}.pdf",
                    "creation": when.isoformat(),
                }
            }
        ],
        "context": {"related": [{"reference": _urn(request_id)}]},
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": [
            {"fullUrl": _urn(patient_id), "resource": _patient(letter)},
            {"fullUrl": _urn(practitioner_id), "resource": _practitioner(letter)},
            {"fullUrl": _urn(request_id), "resource": service_request},
            {"fullUrl": _urn(document_id), "resource": document},
        ],
    }
    validated = Bundle.model_validate(bundle)
    return validated.model_dump(mode="json", exclude_none=True)
