"""Referral letters as FHIR ServiceRequests, and a final letter's PDF (exactly the one
that left the clinic, with its stored SHA-256) as a DocumentReference.

The codes are those of the letter's own FHIR bundle (``sacrum.screening.fhir``), so a
letter reads the same whether it came in its e-mail or in a full export.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.files.storage import default_storage

from sacrum.exports.fhir.common import (
    CONTENT_SHA256,
    attachment,
    derived_id,
    identifier,
    instant,
    ref,
)
from sacrum.screening.fhir import LOINC, SNOMED
from sacrum.screening.models import ReferralLetter

log = logging.getLogger(__name__)


def service_request(letter: ReferralLetter) -> dict[str, Any]:
    when = letter.finalized_at or letter.updated_at
    found: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(letter.pk),
        "identifier": identifier("referral", letter.pk),
        "status": "draft" if letter.is_draft else "active",
        "intent": "proposal",
        "priority": "urgent" if letter.urgent else "routine",
        "category": [
            {"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]}
        ],
        "code": {"text": letter.subject},
        "subject": ref("Patient", letter.client_id),
        "requester": ref("Practitioner", letter.author_id),
        "performer": [
            {
                "display": ", ".join(
                    x for x in (letter.recipient_name, letter.recipient_practice) if x
                )
            }
        ],
        "authoredOn": instant(when),
        "note": [
            {"text": f"{label}: {value}"}
            for label, value in (
                ("Reason", letter.reason),
                ("History", letter.history),
                ("Craniosacral sessions so far", letter.sessions),
                ("Outcome scores", letter.outcomes),
                ("What we ask", letter.request),
            )
            if value
        ],
        "meta": {"lastUpdated": instant(letter.updated_at)},
    }
    alerts = [a.rule.title for a in letter.alerts.all()]
    if alerts:
        found["reasonCode"] = [{"text": t} for t in alerts]
    if not found["note"]:
        del found["note"]
    return found


def service_requests(rows: list[ReferralLetter]) -> Iterable[dict[str, Any]]:
    return [service_request(letter) for letter in rows]


def letter_document(letter: ReferralLetter) -> dict[str, Any] | None:
    """The PDF that was sent or printed, or ``None`` for a draft (nothing left the clinic)."""
    if letter.is_draft or not letter.pdf:
        return None
    try:
        with default_storage.open(str(letter.pdf.name), "rb") as handle:
            data = handle.read()
    except OSError:
        log.warning("referral letter PDF missing from storage", extra={"letter": str(letter.pk)})
        return None
    when = letter.finalized_at or letter.updated_at
    return {
        "resourceType": "DocumentReference",
        "id": derived_id(letter.pk, "document"),
        "identifier": identifier("referral-document", letter.pk),
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [{"system": LOINC, "code": "57133-1", "display": "Referral note"}]},
        "subject": ref("Patient", letter.client_id),
        "date": instant(when),
        "author": [ref("Practitioner", letter.author_id)],
        "description": letter.subject,
        "content": [
            {
                "attachment": attachment(
                    data, "application/pdf", f"referral-{letter.letter_date:%Y-%m-%d}.pdf", when
                )
            }
        ],
        "context": {"related": [ref("ServiceRequest", letter.pk)]},
        "extension": [{"url": CONTENT_SHA256, "valueString": letter.pdf_sha256}],
    }


def letter_documents(rows: list[ReferralLetter]) -> Iterable[dict[str, Any]]:
    for letter in rows:
        found = letter_document(letter)
        if found is not None:
            yield found
