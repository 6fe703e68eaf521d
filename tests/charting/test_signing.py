"""A signed note is unchanged after attempts through every route; verify finds planted changes.

Runs on SQLite and on PostgreSQL (``DATABASE_URL=postgres://…``): the raw-SQL attempts
hit the migration's triggers on both (DELETE only on PostgreSQL, see docs/charting.md).
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from sacrum.access.models import User
from sacrum.charting import services, signing
from sacrum.charting.models import (
    Addendum,
    Restriction,
    RhythmFinding,
    SessionNote,
    StillPoint,
    TechniqueEntry,
)
from tests.charting.objects import chartable, signed  # noqa: F401

pytestmark = pytest.mark.django_db
CHILD_TABLES = (RhythmFinding, StillPoint, Restriction, TechniqueEntry)


def db_id(value: Any) -> Any:
    return SessionNote._meta.pk.get_db_prep_value(value, connection)  # type: ignore[union-attr]


def snapshot(note: SessionNote) -> dict[str, Any]:
    """Everything stored for a note: the row and every row under it."""
    fresh = signing.notes_for_hashing(SessionNote.objects.filter(pk=note.pk)).get()
    return {
        "row": SessionNote.objects.filter(pk=note.pk).values().get(),
        "content": signing.canonical_content(fresh),
    }


@pytest.fixture
def note(practitioner, chartable):  # noqa: F811
    return signed(practitioner, chartable)


def refused_by_database(sql: str, params: list[Any]) -> None:
    with (
        pytest.raises(DatabaseError, match=r"locked|append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_signing_stores_who_when_and_the_hash_of_the_content(note, practitioner):
    assert note.status == "signed" and note.signed_by == practitioner.member
    assert note.signed_at is not None
    fresh = signing.notes_for_hashing(SessionNote.objects.filter(pk=note.pk)).get()
    assert note.content_hash == signing.note_hash(fresh)
    content = signing.canonical_content(fresh)
    assert content["complaint"] == "Neck stiff since Tuesday"
    assert [r["region"] for r in content["restrictions"]] == ["occiput", "temporal"]
    assert [t["name"] for t in content["techniques"]] == ["Cranial base release", "Still point"]
    assert content["rhythm_findings"][0]["rate"] == "8.5"
    assert content["still_points"][0]["duration_seconds"] == 90


def test_the_services_refuse(note, practitioner):
    before = snapshot(note)
    with pytest.raises(services.NoteLocked):
        services.save_draft(actor=practitioner.actor, note=note, data={"complaint": "changed"})
    with pytest.raises(services.NoteLocked):
        services.save_draft(actor=practitioner.actor, note=note, data={"restrictions": []})
    with pytest.raises(services.NoteLocked):
        services.sign_note(actor=practitioner.actor, note=note)
    with pytest.raises(services.NoteLocked):
        services.delete_draft(actor=practitioner.actor, note=note)
    assert snapshot(note) == before


def test_the_models_and_querysets_refuse(note):
    before = snapshot(note)
    note.complaint = "changed"
    with pytest.raises(PermissionError):
        note.save()
    with pytest.raises(PermissionError):
        note.delete()
    with pytest.raises(PermissionError):
        SessionNote.objects.filter(pk=note.pk).update(complaint="bulk")
    with pytest.raises(PermissionError):
        SessionNote.objects.filter(pk=note.pk).delete()
    for model in CHILD_TABLES:
        with pytest.raises(PermissionError):
            model.objects.filter(note=note).update(note_text="x") if model in (
                RhythmFinding,
                Restriction,
            ) else model.objects.filter(note=note).update(position=9)
        with pytest.raises(PermissionError):
            model.objects.filter(note=note).delete()
    row = note.restrictions.first()
    row.severity = 3
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        Restriction(note=note, region="sacrum", side="midline", severity=1).save()
    assert snapshot(note) == before


def test_raw_sql_is_refused_by_the_database(note):
    before = snapshot(note)
    pk = db_id(note.pk)
    refused_by_database("UPDATE charting_sessionnote SET complaint = %s WHERE id = %s", ["x", pk])
    refused_by_database(
        "UPDATE charting_sessionnote SET status = 'draft', signed_at = NULL, signed_by_id = NULL, "
        "content_hash = '' WHERE id = %s",
        [pk],
    )
    refused_by_database("UPDATE charting_restriction SET severity = 3 WHERE note_id = %s", [pk])
    refused_by_database("UPDATE charting_rhythmfinding SET rate = 12 WHERE note_id = %s", [pk])
    refused_by_database(
        "UPDATE charting_techniqueentry SET name = 'Other' WHERE note_id = %s", [pk]
    )
    refused_by_database(
        "UPDATE charting_stillpoint SET duration_seconds = 1 WHERE note_id = %s", [pk]
    )
    refused_by_database(
        "INSERT INTO charting_restriction (id, note_id, region, side, severity, note_text) "
        "VALUES (%s, %s, 'sacrum', 'midline', 1, '')",
        [db_id(__import__("uuid").uuid4()), pk],
    )
    if connection.vendor == "postgresql":
        refused_by_database("DELETE FROM charting_restriction WHERE note_id = %s", [pk])
        refused_by_database("DELETE FROM charting_sessionnote WHERE id = %s", [pk])
    assert snapshot(note) == before


def test_a_draft_still_changes_through_sql(practitioner, chartable):  # noqa: F811
    """The triggers only guard signed notes; drafts (autosave) write freely."""
    note = services.start_note(actor=practitioner.actor, client=chartable)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE charting_sessionnote SET complaint = %s WHERE id = %s", ["x", db_id(note.pk)]
        )
    note.refresh_from_db()
    assert note.complaint == "x"


def test_the_admin_refuses(note, client):
    before = snapshot(note)
    admin_user = User.objects.create_superuser(email="root@example.test", password="x-Y-z-123456")
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    change = reverse("admin:charting_sessionnote_change", args=[note.pk])
    delete = reverse("admin:charting_sessionnote_delete", args=[note.pk])
    assert client.post(change, {"complaint": "admin edit"}).status_code in (302, 403)
    assert client.post(delete, {"post": "yes"}).status_code in (302, 403)
    assert client.get(reverse("admin:charting_sessionnote_add")).status_code in (302, 403)
    assert snapshot(note) == before


def test_an_addendum_is_appended_with_its_own_author_time_and_hash(note, practitioner, owner):
    before = snapshot(note)
    first = services.add_addendum(actor=practitioner.actor, note=note, text="Phoned: slept well.")
    second = services.add_addendum(actor=owner.actor, note=note, text="Owner reviewed.")
    assert [a.pk for a in note.addenda.all()] == [first.pk, second.pk]
    assert first.author == practitioner.member and second.author == owner.member
    assert first.content_hash == signing.addendum_hash(first, note.content_hash)
    assert first.content_hash != second.content_hash
    assert snapshot(note) == before  # the note itself is untouched
    with pytest.raises(PermissionError):
        first.save()
    with pytest.raises(PermissionError):
        Addendum.objects.filter(pk=first.pk).update(text="edited")
    refused_by_database(
        "UPDATE charting_addendum SET text = 'edited' WHERE id = %s", [db_id(first.pk)]
    )
    assert services.verify().ok


def test_an_addendum_needs_a_signed_note_and_text(practitioner, chartable):  # noqa: F811
    note = services.start_note(actor=practitioner.actor, client=chartable)
    with pytest.raises(services.Conflict):
        services.add_addendum(actor=practitioner.actor, note=note, text="Too early")
    note = services.sign_note(actor=practitioner.actor, note=note)
    with pytest.raises(services.ValidationError):
        services.add_addendum(actor=practitioner.actor, note=note, text="   ")


def _plant(sql: str, params: list[Any]) -> None:
    """Change a signed row behind the trigger's back, inside this test's transaction only."""
    trigger = "charting_sessionnote_locked"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks count as pending trigger events: run them first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE charting_sessionnote DISABLE TRIGGER {trigger}")
            cursor.execute(sql, params)
            cursor.execute(f"ALTER TABLE charting_sessionnote ENABLE TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute(f"DROP TRIGGER {trigger}")
            cursor.execute(sql, params)
            migration = __import__(
                "sacrum.charting.migrations.0002_signed_notes_are_locked", fromlist=["x"]
            )
            cursor.execute(migration.sqlite_forward()[0])


def test_verify_detects_a_mismatch_planted_in_the_database(
    note,
    practitioner,
    chartable,  # noqa: F811
):
    other = signed(practitioner, chartable, complaint="Second visit")
    services.add_addendum(actor=practitioner.actor, note=other, text="All fine.")
    assert services.verify().ok
    out = StringIO()
    call_command("verify_notes", stdout=out)
    assert "2 signed notes and 1 addenda: 0 mismatches" in out.getvalue()

    _plant(
        "UPDATE charting_sessionnote SET complaint = %s WHERE id = %s",
        ["Quietly rewritten", db_id(note.pk)],
    )
    report = services.verify()
    assert [(m.kind, m.object_id) for m in report.mismatches] == [("note", str(note.pk))]
    assert report.mismatches[0].stored == note.content_hash

    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_notes", stdout=StringIO(), stderr=err)
    assert raised.value.returncode == 1
    assert f"note {note.pk}" in err.getvalue()
    assert "1 mismatches" in str(raised.value)


def test_verify_detects_a_rewritten_hash(note):
    _plant(
        "UPDATE charting_sessionnote SET content_hash = %s WHERE id = %s",
        ["0" * 64, db_id(note.pk)],
    )
    assert [m.object_id for m in services.verify().mismatches] == [str(note.pk)]
