"""A signed note is unchanged after attempts through every route; verify finds planted changes.

Runs on SQLite and on PostgreSQL (``DATABASE_URL=postgres://…``): the raw-SQL attempts
hit the migrations' triggers on both, DELETE included. The planted changes go behind
the triggers' back (lifted inside the test's own transaction) as someone holding the
database could, and ``verify_notes`` must name each: a changed note, a note re-hashed
with the documented canonical form (its keyed seal no longer fits), a deleted note
(the audit log still records its signing).
"""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from sacrum.access.models import AuditEntry, User
from sacrum.charting import services, signing
from sacrum.charting.models import (
    Addendum,
    Restriction,
    RhythmFinding,
    SessionNote,
    StillPoint,
    TechniqueEntry,
)
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic
from sacrum.kernel.errors import Conflict, Locked
from tests.charting.objects import chartable, signed  # noqa: F401
from tests.conftest import ApiClient, Persona

pytestmark = pytest.mark.django_db
CHILD_TABLES = (RhythmFinding, StillPoint, Restriction, TechniqueEntry)


def db_id(value: Any) -> Any:
    return SessionNote._meta.pk.get_db_prep_value(value, connection)


def snapshot(note: SessionNote) -> dict[str, Any]:
    """Everything stored for a note: the row and every row under it."""
    fresh = signing.notes_for_hashing(SessionNote.objects.filter(pk=note.pk)).get()
    return {
        "row": SessionNote.objects.filter(pk=note.pk).values().get(),
        "content": signing.canonical_content(fresh),
    }


@pytest.fixture
def note(practitioner: Persona, chartable: Client) -> SessionNote:  # noqa: F811
    return signed(practitioner, chartable)


def refused_by_database(sql: str, params: list[Any]) -> None:
    with (
        pytest.raises(DatabaseError, match=r"locked|append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_signing_stores_who_when_and_the_hash_of_the_content(
    note: SessionNote, practitioner: Persona
) -> None:
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


def test_the_services_refuse(note: SessionNote, practitioner: Persona) -> None:
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


def test_the_models_and_querysets_refuse(note: SessionNote) -> None:
    before = snapshot(note)
    note.complaint = "changed"
    with pytest.raises(Locked):
        note.save()
    with pytest.raises(Locked):
        note.delete()
    with pytest.raises(Locked):
        SessionNote.objects.filter(pk=note.pk).update(complaint="bulk")
    with pytest.raises(Locked):
        SessionNote.objects.filter(pk=note.pk).delete()
    for model in CHILD_TABLES:
        change = {"note_text": "x"} if model in (RhythmFinding, Restriction) else {"position": 9}
        with pytest.raises(Locked):
            model.objects.filter(note=note).update(**change)
        with pytest.raises(Locked):
            model.objects.filter(note=note).delete()
    row = note.restrictions.first()
    assert row is not None
    row.severity = 3
    with pytest.raises(Locked):
        row.save()
    with pytest.raises(Locked):
        Restriction(note=note, region="sacrum", side="midline", severity=1).save()
    assert snapshot(note) == before


def test_raw_sql_is_refused_by_the_database(note: SessionNote) -> None:
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
    assert snapshot(note) == before


def test_raw_sql_delete_is_refused_by_the_database(
    note: SessionNote, practitioner: Persona
) -> None:
    """A signed note, each row under it, its addenda and the audit log: no DELETE passes."""
    addendum = services.add_addendum(actor=practitioner.actor, note=note, text="Slept well.")
    before = snapshot(note)
    entries = AuditEntry.objects.count()
    pk = db_id(note.pk)
    for table in (
        "charting_rhythmfinding",
        "charting_stillpoint",
        "charting_restriction",
        "charting_techniqueentry",
    ):
        refused_by_database(f"DELETE FROM {table} WHERE note_id = %s", [pk])
    refused_by_database("DELETE FROM charting_addendum WHERE id = %s", [db_id(addendum.pk)])
    refused_by_database("DELETE FROM charting_sessionnote WHERE id = %s", [pk])
    refused_by_database("DELETE FROM access_auditentry WHERE object_id = %s", [str(note.pk)])
    refused_by_database("DELETE FROM access_auditentry", [])
    assert snapshot(note) == before
    assert note.addenda.count() == 1
    assert AuditEntry.objects.count() == entries


def test_a_draft_still_changes_through_sql(practitioner: Persona, chartable: Client) -> None:  # noqa: F811
    """The triggers only guard signed notes; drafts (autosave) write freely."""
    note = services.start_note(actor=practitioner.actor, client=chartable)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE charting_sessionnote SET complaint = %s WHERE id = %s", ["x", db_id(note.pk)]
        )
    note.refresh_from_db()
    assert note.complaint == "x"


def test_the_admin_refuses(note: SessionNote, client: HttpClient) -> None:
    before = snapshot(note)
    admin_user = User.objects.create_superuser(email="root@example.test", password="x-Y-z-123456")
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    change = reverse("admin:charting_sessionnote_change", args=[note.pk])
    delete = reverse("admin:charting_sessionnote_delete", args=[note.pk])
    assert client.post(change, {"complaint": "admin edit"}).status_code in (302, 403)
    assert client.post(delete, {"post": "yes"}).status_code in (302, 403)
    assert client.get(reverse("admin:charting_sessionnote_add")).status_code in (302, 403)
    assert snapshot(note) == before


def test_an_addendum_is_appended_with_its_own_author_time_and_hash(
    note: SessionNote, practitioner: Persona, owner: Persona
) -> None:
    before = snapshot(note)
    first = services.add_addendum(actor=practitioner.actor, note=note, text="Phoned: slept well.")
    second = services.add_addendum(actor=owner.actor, note=note, text="Owner reviewed.")
    assert [a.pk for a in note.addenda.all()] == [first.pk, second.pk]
    assert first.author == practitioner.member and second.author == owner.member
    assert first.content_hash == signing.addendum_hash(first, note.content_hash)
    assert first.content_hash != second.content_hash
    assert snapshot(note) == before  # the note itself is untouched
    with pytest.raises(Locked):
        first.save()
    with pytest.raises(Locked):
        Addendum.objects.filter(pk=first.pk).update(text="edited")
    refused_by_database(
        "UPDATE charting_addendum SET text = 'edited' WHERE id = %s", [db_id(first.pk)]
    )
    assert services.verify().ok


def test_an_addendum_needs_a_signed_note_and_text(practitioner: Persona, chartable: Client) -> None:  # noqa: F811
    note = services.start_note(actor=practitioner.actor, client=chartable)
    with pytest.raises(Conflict):
        services.add_addendum(actor=practitioner.actor, note=note, text="Too early")
    note = services.sign_note(actor=practitioner.actor, note=note)
    with pytest.raises(ValidationError):
        services.add_addendum(actor=practitioner.actor, note=note, text="   ")


CHILD_NAMES = tuple(m._meta.db_table for m in CHILD_TABLES)
# The triggers to lift for each planted change, by vendor.
UPDATE_LOCKS = {
    "postgresql": {
        "charting_sessionnote": "charting_sessionnote_locked",
        "charting_addendum": "charting_addendum_append_only",
    },
    "sqlite": {
        "charting_sessionnote": "charting_sessionnote_locked",
        "charting_addendum": "charting_addendum_append_only",
    },
}
DELETE_LOCKS = {
    "postgresql": {
        "charting_sessionnote": "charting_sessionnote_locked",
        "charting_addendum": "charting_addendum_append_only",
        "access_auditentry": "access_auditentry_append_only",
        **{t: f"{t}_locked" for t in CHILD_NAMES},
    },
    "sqlite": {
        "charting_sessionnote": "charting_sessionnote_no_delete",
        "charting_addendum": "charting_addendum_no_delete",
        "access_auditentry": "access_auditentry_no_delete",
        **{t: f"{t}_no_delete" for t in CHILD_NAMES},
    },
}


def _plant(
    *statements: tuple[str, list[Any]], locks: dict[str, dict[str, str]] = UPDATE_LOCKS
) -> None:
    """Change signed rows behind the triggers' back, inside this test's transaction only.

    As a database owner could: PostgreSQL disables the triggers (and enables them
    again), SQLite drops them (the test's rollback restores them).
    """
    triggers = locks[connection.vendor]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks count as pending trigger events: run them first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, trigger in triggers.items():
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            for sql, params in statements:
                cursor.execute(sql, params)
            for table, trigger in triggers.items():
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for trigger in triggers.values():
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            for sql, params in statements:
                cursor.execute(sql, params)


def _verify_notes_fails() -> str:
    """Run ``sacrum verify_notes``; it must exit 1. Returns what it printed as problems."""
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_notes", stdout=StringIO(), stderr=err)
    assert raised.value.returncode == 1
    return err.getvalue()


def test_verify_detects_a_mismatch_planted_in_the_database(
    note: SessionNote,
    practitioner: Persona,
    chartable: Client,  # noqa: F811
) -> None:
    other = signed(practitioner, chartable, complaint="Second visit")
    services.add_addendum(actor=practitioner.actor, note=other, text="All fine.")
    assert services.verify().ok
    out = StringIO()
    call_command("verify_notes", stdout=out)
    assert "Checked 2 signed notes and 1 addenda of all clinics" in out.getvalue()
    assert "0 problems found." in out.getvalue()

    _plant(
        (
            "UPDATE charting_sessionnote SET complaint = %s WHERE id = %s",
            ["Quietly rewritten", db_id(note.pk)],
        )
    )
    report = services.verify()
    assert [(m.kind, m.object_id) for m in report.mismatches] == [("note", str(note.pk))]
    assert report.mismatches[0].stored == note.content_hash

    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_notes", stdout=StringIO(), stderr=err)
    assert raised.value.returncode == 1
    assert f"note {note.pk}" in err.getvalue()
    assert "1 problem found." in str(raised.value)


def test_verify_detects_a_rewritten_hash(note: SessionNote) -> None:
    _plant(
        (
            "UPDATE charting_sessionnote SET content_hash = %s WHERE id = %s",
            ["0" * 64, db_id(note.pk)],
        )
    )
    assert [m.object_id for m in services.verify().mismatches] == [str(note.pk)]


def test_a_note_re_hashed_with_the_canonical_form_is_caught_by_its_seal(
    note: SessionNote, clinic: Clinic
) -> None:
    """Edit a signed note and store the SHA-256 of its new canonical content: the hash
    fits, but the keyed seal (made with the server's key, not in the database) doesn't."""
    others = SessionNote.objects.exclude(pk=note.pk).count()
    _plant(
        (
            "UPDATE charting_sessionnote SET complaint = %s WHERE id = %s",
            ["Rewritten, hash recomputed", db_id(note.pk)],
        )
    )
    edited = signing.notes_for_hashing(SessionNote.objects.filter(pk=note.pk)).get()
    recomputed = signing.note_hash(edited)
    _plant(
        (
            "UPDATE charting_sessionnote SET content_hash = %s WHERE id = %s",
            [recomputed, db_id(note.pk)],
        )
    )
    edited.refresh_from_db()
    assert signing.note_hash(edited) == edited.content_hash  # the plain hash alone passes

    report = services.verify()
    assert [(m.kind, m.object_id) for m in report.mismatches] == [("note_seal", str(note.pk))]
    assert report.notes == others + 1
    printed = _verify_notes_fails()
    assert f"[clinic {clinic.slug}] note {note.pk}:" in printed
    assert "re-hashed without the server's key" in printed


def test_an_addendum_re_hashed_or_deleted_is_named(
    note: SessionNote, practitioner: Persona
) -> None:
    kept = services.add_addendum(actor=practitioner.actor, note=note, text="Phoned: fine.")
    gone = services.add_addendum(actor=practitioner.actor, note=note, text="Second call.")
    kept.text = "Phoned: worse."
    _plant(
        (
            "UPDATE charting_addendum SET text = %s, content_hash = %s WHERE id = %s",
            [kept.text, signing.addendum_hash(kept, note.content_hash), db_id(kept.pk)],
        )
    )
    _plant(
        ("DELETE FROM charting_addendum WHERE id = %s", [db_id(gone.pk)]),
        locks=DELETE_LOCKS,
    )
    found = {(m.kind, m.object_id) for m in services.verify().mismatches}
    assert found == {("addendum_seal", str(kept.pk)), ("missing_addendum", str(gone.pk))}
    printed = _verify_notes_fails()
    assert f"addendum {kept.pk} (note {note.pk})" in printed
    assert f"addendum {gone.pk}: the audit log records it but" in printed


def test_a_deleted_signed_note_is_named_from_the_audit_log(
    note: SessionNote,
    practitioner: Persona,
    chartable: Client,  # noqa: F811
    clinic: Clinic,
) -> None:
    """Lift the DELETE triggers, delete a signed note and every row under it: the count
    drops, and verify_notes names the note by id and clinic from its "sign" entry."""
    kept = signed(practitioner, chartable, complaint="Second visit")
    pk = db_id(note.pk)
    _plant(
        *[(f"DELETE FROM {table} WHERE note_id = %s", [pk]) for table in CHILD_NAMES],
        ("DELETE FROM charting_sessionnote WHERE id = %s", [pk]),
        locks=DELETE_LOCKS,
    )
    assert not SessionNote.objects.filter(pk=note.pk).exists()

    report = services.verify()
    assert report.notes == 1 and report.sign_entries == 2
    assert [(m.kind, m.object_id, m.clinic_id) for m in report.mismatches] == [
        ("missing_note", str(note.pk), str(clinic.pk))
    ]
    printed = _verify_notes_fails()
    assert (
        f"PROBLEM [clinic {clinic.slug}] note {note.pk}: the audit log records its signing"
        in printed
    )
    assert str(kept.pk) not in printed


def test_a_signed_note_turned_back_into_a_draft_is_named(note: SessionNote) -> None:
    _plant(
        (
            "UPDATE charting_sessionnote SET status = 'draft', signed_by_id = NULL, "
            "signed_at = NULL, content_hash = '', seal = '' WHERE id = %s",
            [db_id(note.pk)],
        )
    )
    assert [(m.kind, m.object_id) for m in services.verify().mismatches] == [
        ("unsigned_note", str(note.pk))
    ]


def test_seals_made_with_an_earlier_key_verify_while_it_is_a_fallback(
    note: SessionNote, settings: Any
) -> None:
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-after-rotation-" + "k" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    report = services.verify()
    assert report.ok and report.keys == (("SECRET_KEY_FALLBACKS[0]", 1),)
    out = StringIO()
    call_command("verify_notes", stdout=out)
    assert "Valid seals: 1 by SECRET_KEY_FALLBACKS[0]." in out.getvalue()

    settings.SECRET_KEY_FALLBACKS = []
    assert [m.kind for m in services.verify().mismatches] == ["note_seal"]


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_database(note: SessionNote) -> None:
    """Emptying every table (``flush``, how test databases reset) stays possible on both
    databases, like TRUNCATE on PostgreSQL; on SQLite only while flushing."""
    call_command("flush", interactive=False, verbosity=0)
    assert not SessionNote.objects.exists() and not AuditEntry.objects.exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT sacrum_wiping()")
            assert cursor.fetchone() == (0,)


EXPECTED_TRIGGERS = {
    "postgresql": {
        "access_auditentry_append_only",
        "charting_sessionnote_locked",
        "charting_addendum_append_only",
        "charting_sensitiveaccess_append_only",
        *(f"{t}_locked" for t in CHILD_NAMES),
    },
    "sqlite": {
        "access_auditentry_no_update",
        "access_auditentry_no_delete",
        "charting_sessionnote_locked",
        "charting_sessionnote_no_delete",
        "charting_addendum_append_only",
        "charting_addendum_no_delete",
        "charting_sensitiveaccess_append_only",
        "charting_sensitiveaccess_no_delete",
        *(f"{t}_locked" for t in CHILD_NAMES),
        *(f"{t}_locked_insert" for t in CHILD_NAMES),
        *(f"{t}_no_delete" for t in CHILD_NAMES),
    },
}


def test_every_lock_trigger_is_installed() -> None:
    """A later migration that rebuilds a table on SQLite drops its triggers silently."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {row[0] for row in cursor.fetchall()}
    assert EXPECTED_TRIGGERS[connection.vendor] <= names


def test_the_owner_s_api_check_names_a_deleted_note(
    note: SessionNote, api: Callable[[Persona], ApiClient], owner: Persona, practitioner: Persona
) -> None:
    pk = db_id(note.pk)
    _plant(
        *[(f"DELETE FROM {table} WHERE note_id = %s", [pk]) for table in CHILD_NAMES],
        ("DELETE FROM charting_sessionnote WHERE id = %s", [pk]),
        locks=DELETE_LOCKS,
    )
    status, body = api(owner).post("/charting/verify", {})
    assert status == 200, body
    assert body["ok"] is False
    assert [(m["kind"], m["object_id"]) for m in body["mismatches"]] == [
        ("missing_note", str(note.pk))
    ]
    assert "gone from the database" in body["mismatches"][0]["problem"]
    assert api(practitioner).post("/charting/verify", {})[0] == 403
