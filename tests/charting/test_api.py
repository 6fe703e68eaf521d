"""Charting over /api/v1: drafts, autosave, signing and the lock, addenda, the gate, privacy."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from sacrum.access.models import AuditEntry
from sacrum.access.roles import Role
from sacrum.charting import signing
from sacrum.charting.models import SensitiveAccess, SessionNote
from sacrum.clients.models import Client
from sacrum.screening.gates import CONSENT_MISSING, NO_INTAKE, charting_gate
from tests.charting.objects import chartable, full_content, new_client  # noqa: F401
from tests.conftest import ApiClient, Persona, add_member

pytestmark = pytest.mark.django_db


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    """Autosave data as the API takes it (ids and decimals as JSON values)."""
    return {
        k: [{kk: str(vv) if kk == "rate" else vv for kk, vv in row.items()} for row in v]
        if isinstance(v, list) and v and isinstance(v[0], dict)
        else v
        for k, v in data.items()
    }


@pytest.fixture
def draft_id(api: Callable[[Persona], ApiClient], practitioner: Persona, chartable: Client) -> str:  # noqa: F811
    status, body = api(practitioner).post(f"/clients/{chartable.pk}/session-notes", {})
    assert status == 201, body
    return str(body["id"])


def test_a_draft_is_autosaved_and_still_there_after_a_reload(
    api: Callable[[Persona], ApiClient], practitioner: Persona, draft_id: str
) -> None:
    http = api(practitioner)
    status, body = http.patch(
        f"/charting/session-notes/{draft_id}", {"complaint": "Headache since Monday"}
    )
    assert status == 200, body
    status, body = http.patch(f"/charting/session-notes/{draft_id}", {"pain_before": 7})
    assert status == 200, body
    # The tablet slept; the page reloads the note.
    status, body = api(practitioner).get(f"/charting/session-notes/{draft_id}")
    assert status == 200
    assert body["status"] == "draft"
    assert body["complaint"] == "Headache since Monday" and body["pain_before"] == 7
    assert "not a measurement" in body["palpation_findings_label"]


def test_a_patch_with_everything_round_trips(
    api: Callable[[Persona], ApiClient], practitioner: Persona, draft_id: str
) -> None:
    data = as_json(full_content(practitioner))
    status, body = api(practitioner).patch(f"/charting/session-notes/{draft_id}", data)
    assert status == 200, body
    assert [r["label"] for r in body["restrictions"]] == [
        "Occipital bone (occiput)",
        "Temporal bone, left",
    ]
    assert [f["rate"] for f in body["rhythm_findings"]] == ["8.5", "7.0"]
    assert body["techniques"][0]["response"] == "Softened"


def test_bad_rows_are_422_by_field_and_nothing_changes(
    api: Callable[[Persona], ApiClient], practitioner: Persona, draft_id: str
) -> None:
    http = api(practitioner)
    http.patch(f"/charting/session-notes/{draft_id}", {"complaint": "kept"})
    status, body = http.patch(
        f"/charting/session-notes/{draft_id}",
        {"complaint": "lost", "restrictions": [{"region": "temporal", "side": "midline"}]},
    )
    assert status == 422
    assert "restrictions.0.side" in body["error"]["fields"]
    status, body = http.patch(
        f"/charting/session-notes/{draft_id}", {"restrictions": [{"region": "elbow"}]}
    )
    assert status == 422 and "restrictions.0.region" in body["error"]["fields"]
    assert SessionNote.objects.get(pk=draft_id).complaint == "kept"


def test_a_signed_note_refuses_patch_put_delete_with_409(
    api: Callable[[Persona], ApiClient], practitioner: Persona, owner: Persona, draft_id: str
) -> None:
    http = api(practitioner)
    http.patch(f"/charting/session-notes/{draft_id}", as_json(full_content(practitioner)))
    status, signed = http.post(f"/charting/session-notes/{draft_id}/sign", {})
    assert status == 200, signed
    assert signed["status"] == "signed" and len(signed["content_hash"]) == 64
    before = SessionNote.objects.filter(pk=draft_id).values().get()

    for method, body in (
        ("PATCH", {"complaint": "rewritten"}),
        ("PUT", {"complaint": "rewritten"}),
        ("DELETE", None),
    ):
        status, answer = http.call(method, f"/charting/session-notes/{draft_id}", body)
        assert status == 409, (method, answer)
        assert "locked" in answer["error"]["message"] and "addendum" in answer["error"]["message"]
    status, _ = http.post(f"/charting/session-notes/{draft_id}/sign", {})
    assert status == 409
    # The owner is not the author: still refused, and still unchanged.
    status, _ = api(owner).patch(f"/charting/session-notes/{draft_id}", {"complaint": "x"})
    assert status in (403, 409)
    assert SessionNote.objects.filter(pk=draft_id).values().get() == before

    status, addendum = http.post(
        f"/charting/session-notes/{draft_id}/addenda", {"text": "Phoned: slept well."}
    )
    assert status == 201, addendum
    status, note = http.get(f"/charting/session-notes/{draft_id}")
    assert [a["text"] for a in note["addenda"]] == ["Phoned: slept well."]
    assert note["content_hash"] == signed["content_hash"]
    status, one = http.get(f"/charting/addenda/{addendum['id']}")
    assert status == 200 and one["content_hash"] == addendum["content_hash"]
    assert signing.verify_all().ok


def test_an_addendum_on_a_draft_is_409(
    api: Callable[[Persona], ApiClient], practitioner: Persona, draft_id: str
) -> None:
    status, _body = api(practitioner).post(
        f"/charting/session-notes/{draft_id}/addenda", {"text": "Too soon"}
    )
    assert status == 409


def test_a_session_is_documented_without_consent_or_intake(
    api: Callable[[Persona], ApiClient], practitioner: Persona, owner: Persona
) -> None:
    """What screening still asks for is followed up on the record; the note is written."""
    client = new_client(owner)
    status, body = api(practitioner).post(f"/clients/{client.pk}/session-notes", {})
    assert status == 201, body
    assert SessionNote.objects.filter(client=client).count() == 1
    assert CONSENT_MISSING["none"] in charting_gate(client)
    assert NO_INTAKE in charting_gate(client)


def test_the_front_desk_never_sees_notes(
    api: Callable[[Persona], ApiClient],
    front_desk: Persona,
    draft_id: str,
    chartable: Client,  # noqa: F811
) -> None:
    http = api(front_desk)
    assert http.get(f"/clients/{chartable.pk}/session-notes")[0] in (403, 404)
    assert http.get(f"/charting/session-notes/{draft_id}")[0] in (403, 404)
    assert http.patch(f"/charting/session-notes/{draft_id}", {"complaint": "x"})[0] in (403, 404)


def test_a_sensitive_note_is_its_author_s_and_the_owner_s_with_a_reason(
    api: Callable[[Persona], ApiClient],
    practitioner: Persona,
    owner: Persona,
    draft_id: str,
    chartable: Client,  # noqa: F811
) -> None:
    http = api(practitioner)
    http.patch(f"/charting/session-notes/{draft_id}", {"sensitive": True, "complaint": "Private"})
    colleague = add_member(owner.clinic, "kim@stillwater.test", Role.PRACTITIONER, "Kim")

    assert api(colleague).get(f"/charting/session-notes/{draft_id}")[0] == 404
    status, listing = api(colleague).get(f"/clients/{chartable.pk}/session-notes")
    assert status == 200 and listing["count"] == 0

    status, body = api(owner).get(f"/charting/session-notes/{draft_id}")
    assert status == 403 and "reason" in body["error"]["message"]
    status, listing = api(owner).get(f"/clients/{chartable.pk}/session-notes")
    assert listing["items"][0]["content_hidden"] is True
    assert listing["items"][0]["pain_before"] is None

    status, body = api(owner).post(
        f"/charting/session-notes/{draft_id}/open", {"reason": "Complaint review"}
    )
    assert status == 200 and body["complaint"] == "Private"
    access = SensitiveAccess.objects.get(note_id=uuid.UUID(draft_id))
    assert access.member == owner.member and access.reason == "Complaint review"
    assert AuditEntry.objects.filter(
        actor=owner.user, object_type="sessionnote", object_id=draft_id, action="read"
    ).exists()
    assert AuditEntry.objects.filter(actor=owner.user, object_type="sensitiveaccess").exists()

    status, body = api(practitioner).get(f"/charting/session-notes/{draft_id}")
    assert status == 200 and body["complaint"] == "Private"


def test_every_read_is_audited(
    api: Callable[[Persona], ApiClient],
    practitioner: Persona,
    draft_id: str,
    chartable: Client,  # noqa: F811
) -> None:
    before = AuditEntry.objects.filter(actor=practitioner.user, action__in=("read", "list"))
    count = before.count()
    api(practitioner).get(f"/charting/session-notes/{draft_id}")
    api(practitioner).get(f"/clients/{chartable.pk}/session-notes")
    assert before.count() == count + 2


def test_copy_forward_over_the_api(
    api: Callable[[Persona], ApiClient],
    practitioner: Persona,
    draft_id: str,
    chartable: Client,  # noqa: F811
) -> None:
    http = api(practitioner)
    http.patch(f"/charting/session-notes/{draft_id}", as_json(full_content(practitioner)))
    http.post(f"/charting/session-notes/{draft_id}/sign", {})
    status, body = http.post(
        f"/clients/{chartable.pk}/session-notes/copy-forward", {"parts": ["plan", "restrictions"]}
    )
    assert status == 201, body
    assert body["copied_from_id"] == draft_id
    assert body["next_visit"] == "In one week" and body["home_care"] == ""
    assert len(body["restrictions"]) == 2 and body["rhythm_findings"] == []


def test_stations_and_templates(
    api: Callable[[Persona], ApiClient], owner: Persona, practitioner: Persona
) -> None:
    status, stations = api(practitioner).get("/charting/stations")
    assert [s["name"] for s in stations][:3] == ["Heels", "Tops of the feet", "Front of the thighs"]
    status, templates = api(practitioner).get("/charting/technique-templates")
    assert len(templates) == 2
    assert api(practitioner).post("/charting/stations", {"name": "Knees"})[0] == 403
    status, knees = api(owner).post("/charting/stations", {"name": "Knees", "position": 3})
    assert status == 201
    status, body = api(owner).patch(f"/charting/stations/{knees['id']}", {"active": False})
    assert status == 200 and body["active"] is False
    status, regions = api(practitioner).get("/charting/regions")
    assert {"frontal", "sacrum", "hyoid", "dural_tube"} <= {r["code"] for r in regions}
