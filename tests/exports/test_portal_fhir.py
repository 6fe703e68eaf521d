"""The client's own record as FHIR, from the portal: their resources only, signed notes
with the signing hash, every reference resolving inside the bundle; audited as an export."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client as HttpClient
from django.urls import reverse

from sacrum.access.models import AuditEntry
from sacrum.exports.fhir.common import CONTENT_SHA256
from sacrum.exports.fhir.validation import validate
from tests.charting.objects import draft, make_chartable, new_client, signed
from tests.conftest import Persona
from tests.exports.demo import references
from tests.portal.conftest import give_portal, make_person


def test_the_client_downloads_their_record_as_fhir(
    owner: Persona, practitioner: Persona, uploads: Any
) -> None:
    ada = make_person(owner, practitioner, "Ada", "Lovelace", "ada@example.test", 0)
    client = ada.client
    note = signed(practitioner, client)
    draft(practitioner, client, complaint="Not signed yet")
    other = make_chartable(practitioner, new_client(owner, "Someone", "Else"))
    other_note = signed(practitioner, other)
    account = give_portal(owner, client)
    user = account.user
    assert user is not None
    http = HttpClient()
    http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    page = http.get(reverse("web:portal_record")).content.decode()
    assert reverse("web:portal_record_fhir") in page and "Download as FHIR (JSON)" in page
    answer = http.get(reverse("web:portal_record_fhir"))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/fhir+json"
    assert answer["Cache-Control"].startswith("no-store")
    bundle = json.loads(answer.content)
    validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    for resource in resources:
        validate(resource)
    ids = {f"{r['resourceType']}/{r['id']}" for r in resources}
    assert not {x for r in resources for x in references(r)} - ids
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    assert [p["id"] for p in patients] == [str(client.pk)]
    assert str(other.pk) not in answer.content.decode()
    assert str(other_note.pk) not in answer.content.decode()
    kinds = {r["resourceType"] for r in resources}
    assert {"Appointment", "Encounter", "Consent", "QuestionnaireResponse", "Observation"} <= kinds
    assert {"ServiceRequest", "Practitioner", "Organization", "Location"} <= kinds
    notes = [
        r
        for r in resources
        if r["resourceType"] == "DocumentReference" and r["type"]["coding"][0]["code"] == "11506-3"
    ]
    assert len(notes) == 1  # the signed note; the draft stays with the practitioner
    assert notes[0]["extension"] == [{"url": CONTENT_SHA256, "valueString": note.content_hash}]
    requests = [r for r in resources if r["resourceType"] == "ServiceRequest"]
    assert [r["status"] for r in requests] == ["active"]  # the sent letter, not the draft
    assert AuditEntry.objects.filter(
        actor=user, action="export", object_type="client_record_fhir", object_id=str(client.pk)
    ).exists()
