"""The FHIR Bulk Data export of the demo clinic: one NDJSON file per type, every line a
valid R4 resource, stable ids, references that resolve, hashes that match."""

from __future__ import annotations

import base64
import hashlib
import json
import pathlib
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sacrum.charting.models import NoteStatus, SessionNote
from sacrum.exports.fhir.bulk import RESOURCE_TYPES, write_fhir
from sacrum.exports.fhir.common import CONTENT_SHA256, derived_id
from sacrum.exports.fhir.validation import validate
from sacrum.screening.models import ReferralLetter
from tests.charting.objects import make_chartable, new_client, signed
from tests.conftest import Persona
from tests.exports.demo import demo_clinic, read_ndjson, references


def test_the_demo_clinic_exports_every_type_and_every_line_validates(
    db: Any, tmp_path: pathlib.Path
) -> None:
    clinic, _owner = demo_clinic()
    seen: list[tuple[int, int]] = []
    files = write_fhir(clinic, tmp_path, lambda done, total: seen.append((done, total)))

    assert [f.name for f in files] == [f"{t}.ndjson" for t in RESOURCE_TYPES]
    exported = read_ndjson(tmp_path)
    ids = set()
    for kind, resources in exported.items():
        assert resources, kind
        for resource in resources:
            assert resource["resourceType"] == kind
            validate(resource)
            ids.add(f"{kind}/{resource['id']}")
    assert sum(len(r) for r in exported.values()) == len(ids)  # ids unique per type
    dangling = {
        r for resources in exported.values() for x in resources for r in references(x)
    } - ids
    assert not dangling
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] > 0

    # Signed notes: final, with the signing hash; the PDF's own hashes match its bytes.
    note = SessionNote.objects.filter(clinic=clinic, status=NoteStatus.SIGNED).first()
    assert note is not None
    documents = {d["id"]: d for d in exported["DocumentReference"]}
    document = documents[derived_id(note.pk, "document")]
    assert document["docStatus"] == "final"
    assert document["extension"] == [{"url": CONTENT_SHA256, "valueString": note.content_hash}]
    pdf = document["content"][0]["attachment"]
    data = base64.b64decode(pdf["data"])
    assert pdf["contentType"] == "application/pdf" and data.startswith(b"%PDF")
    assert pdf["hash"] == base64.b64encode(hashlib.sha1(data).digest()).decode()
    assert pdf["size"] == len(data)
    appended = [d for d in documents.values() if d.get("relatesTo")]
    assert appended and appended[0]["relatesTo"][0]["target"]["reference"] == (
        f"DocumentReference/{document['id']}"
    )
    drafts = [d for d in documents.values() if d["docStatus"] == "preliminary"]
    assert len(drafts) == SessionNote.objects.filter(clinic=clinic, status="draft").count()

    # The letter that left the clinic: exactly its stored PDF and hash; the draft has none.
    final = ReferralLetter.objects.exclude(status="draft").get(client__clinic=clinic)
    letter_doc = documents[derived_id(final.pk, "document")]
    assert letter_doc["extension"][0]["valueString"] == final.pdf_sha256
    stored = base64.b64decode(letter_doc["content"][0]["attachment"]["data"])
    assert hashlib.sha256(stored).hexdigest() == final.pdf_sha256
    requests = {r["id"]: r["status"] for r in exported["ServiceRequest"]}
    assert sorted(requests.values()) == ["active", "draft"]

    # Palpation findings say what they are.
    palpated = [
        o for o in exported["Observation"] if o.get("method", {}).get("text") == "Palpation"
    ]
    assert palpated and all(
        "palpation finding, not a measurement" in o["code"]["text"] for o in palpated
    )
    # Run twice, same ids: a receiving system updates instead of duplicating.
    again = tmp_path / "again"
    again.mkdir()
    write_fhir(clinic, again, lambda *_: None)
    second = read_ndjson(again)
    assert {k: [r["id"] for r in v] for k, v in second.items()} == {
        k: [r["id"] for r in v] for k, v in exported.items()
    }


def test_type_and_since_choose_what_is_written(db: Any, tmp_path: pathlib.Path) -> None:
    clinic, _owner = demo_clinic()
    files = write_fhir(clinic, tmp_path, lambda *_: None, types=["Patient", "Organization"])
    assert [f.name for f in files] == ["Organization.ndjson", "Patient.ndjson"]
    patients = (tmp_path / "Patient.ndjson").read_text().splitlines()
    assert json.loads(patients[0])["resourceType"] == "Patient"
    later = tmp_path / "later"
    later.mkdir()
    newest = SessionNote.objects.filter(clinic=clinic).order_by("-updated_at").first()
    assert newest is not None
    files = write_fhir(clinic, later, lambda *_: None, types=["Encounter"], since=newest.updated_at)
    assert files == []  # nothing changed after the newest note


def test_queries_do_not_grow_with_the_rows_in_a_chunk(
    owner: Persona, practitioner: Persona, charted: Any, tmp_path: pathlib.Path
) -> None:
    def queries() -> int:
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        with CaptureQueriesContext(connection) as captured:
            write_fhir(owner.clinic, folder, lambda *_: None)
        return len(captured)

    one = queries()
    for name in ("Dora", "Edie", "Fern"):
        client = make_chartable(practitioner, new_client(owner, name, "Quill"))
        signed(practitioner, client)
        signed(practitioner, client, full=False, complaint="Again")
    assert queries() == one  # the same queries for one note or seven: no query per row
