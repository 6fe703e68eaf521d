"""What every FHIR builder shares: ids, references, codes, instants, attachments.

Ids are our primary keys (UUIDs fit FHIR's id rule), so an export run twice gives the
same ids and a receiving system can update instead of duplicate. A resource we derive
from a row (the pain-before Observation of a note) gets a UUID made from the row's id
and a fixed name (``derived_id``), stable in the same way.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from typing import Any

from django.utils import timezone

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ID_SYSTEM = "urn:sacrum:id"
SACRUM_EXTENSION = "urn:sacrum:fhir:StructureDefinition"
CONTENT_SHA256 = f"{SACRUM_EXTENSION}/content-sha256"
TIMEZONE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/timezone"
PALPATION_WORDS = "palpation finding, not a measurement"


def derived_id(source: Any, name: str) -> str:
    """A stable id for a resource made from the row ``source`` (a UUID) and ``name``."""
    return str(uuid.uuid5(uuid.UUID(str(source)), name))


def ref(resource_type: str, pk: Any, display: str = "") -> dict[str, Any]:
    reference: dict[str, Any] = {"reference": f"{resource_type}/{pk}"}
    if display:
        reference["display"] = display
    return reference


def identifier(kind: str, pk: Any) -> list[dict[str, Any]]:
    return [{"system": f"{ID_SYSTEM}:{kind}", "value": str(pk)}]


def instant(value: dt.datetime) -> str:
    """An aware datetime as a FHIR instant in UTC (seconds, 'Z')."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_of(value: str) -> dict[str, Any]:
    return {"text": value}


def category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code, "display": display}]}]


def attachment(
    data: bytes, content_type: str, title: str, created: dt.datetime | None = None
) -> dict[str, Any]:
    """An inline attachment; ``hash`` is FHIR's (SHA-1, base64), the SHA-256 is ours."""
    found: dict[str, Any] = {
        "contentType": content_type,
        "data": base64.b64encode(data).decode(),
        "size": len(data),
        "hash": base64.b64encode(hashlib.sha1(data).digest()).decode(),  # noqa: S324 - FHIR's rule
        "title": title,
        "extension": [{"url": CONTENT_SHA256, "valueString": hashlib.sha256(data).hexdigest()}],
    }
    if created is not None:
        found["creation"] = instant(created)
    return found


def person_name(member: Any) -> str:
    """A staff member's name as clients see it (their profile's, else their account's)."""
    profile = getattr(member, "practitioner_profile", None)
    try:
        shown = profile.display_name if profile is not None else ""
    except AttributeError:  # pragma: no cover - a profile always has a display name
        shown = ""
    return shown or member.user.display_name or member.user.email
