"""Backups of the running database, and every refusal of ``sacrum restore``.

A backup is consistent while others write; restore refuses a wrong or missing key, a
changed file (before anything is written), a non-empty database, a backup from a newer
Sacrum and a server whose secret key would not verify the seals.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from sacrum.access.models import AuditEntry
from sacrum.backups import crypto, dump
from sacrum.backups.dump import make_backup
from sacrum.charting.models import Addendum, SessionNote
from sacrum.clients.models import Client
from tests.backups import archives
from tests.backups.places import place
from tests.charting.objects import make_chartable, new_client, signed
from tests.conftest import Persona

pytestmark = pytest.mark.django_db(transaction=True)


def _practice(practitioner: Persona, owner: Persona) -> SessionNote:
    client = make_chartable(practitioner, new_client(owner))
    return signed(practitioner, client)


def test_backup_is_one_instant_while_others_write(
    practitioner: Persona, owner: Persona, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _practice(practitioner, owner)
    clients_before = Client.objects.count()
    audit_before = AuditEntry.objects.count()
    real_dump = dump._dump_table
    written: list[str] = []

    def dump_while_a_colleague_writes(model: Any, alias: str, out: Path) -> dict[str, Any]:
        # Between two tables, another connection commits a client and its audit entry:
        # a table-by-table copy would hold the entry without the client or vice versa.
        new_client(owner, first=f"Late{len(written)}")
        AuditEntry.objects.create(action="create", object_type="client", via="web")
        written.append(model._meta.db_table)
        return real_dump(model, alias, out)

    monkeypatch.setattr(dump, "_dump_table", dump_while_a_colleague_writes)
    backup = make_backup(tmp_path / "b.tar.gz")
    assert len(written) == backup.tables > 80  # writes happened during the whole backup
    assert Client.objects.count() == clients_before + len(written)
    saved = archives.manifest(tmp_path / "b.tar.gz")
    rows = {t["table"]: t["rows"] for t in saved["tables"]}
    assert rows["clients_client"] == clients_before
    assert rows["access_auditentry"] == audit_before
    lines = archives.members(tmp_path / "b.tar.gz")["tables/clients_client.jsonl"].splitlines()
    assert len(lines) == clients_before
    assert not [line for line in lines if b'"Late' in line]


def _backup(tmp_path: Path, key: str | None = None) -> Path:
    path = tmp_path / ("b.tar.gz.fernet" if key else "b.tar.gz")
    make_backup(path, key=key)
    return path


def test_restore_refuses_a_database_in_use(
    practitioner: Persona, owner: Persona, tmp_path: Path
) -> None:
    note = _practice(practitioner, owner)
    path = _backup(tmp_path)
    with pytest.raises(CommandError, match="This database is not empty"):
        call_command("restore", str(path))
    assert SessionNote.objects.get(pk=note.pk).content_hash == note.content_hash


def test_restore_refuses_a_backup_from_a_newer_sacrum(
    practitioner: Persona, owner: Persona, tmp_path: Path
) -> None:
    _practice(practitioner, owner)
    path = _backup(tmp_path)
    saved = archives.manifest(path)
    saved["migrations"]["charting"] = "0099_from_the_future"
    newer = tmp_path / "newer.tar.gz"
    archives.rewrite(path, newer, {"manifest.json": json.dumps(saved).encode()})
    with pytest.raises(CommandError, match="made by a newer Sacrum"):
        call_command("restore", str(newer), replace=True)


def test_backup_is_encrypted_with_the_key_and_refused_without_it(
    practitioner: Persona, owner: Persona, tmp_path: Path
) -> None:
    _practice(practitioner, owner)
    key = crypto.new_key()
    path = _backup(tmp_path, key)
    raw = path.read_bytes()
    assert crypto.is_encrypted(raw) and b"Neck stiff" not in raw and b"manifest" not in raw
    with place("sqlite", tmp_path) as target:
        missing = target.sacrum("restore", str(path), check=False)
        assert missing.returncode == 1
        assert "This backup is encrypted: set SACRUM_BACKUP_KEY" in missing.stderr
        wrong = target.sacrum(
            "restore", str(path), check=False, env={"SACRUM_BACKUP_KEY": crypto.new_key()}
        )
        assert wrong.returncode == 1
        assert "does not open with the key in SACRUM_BACKUP_KEY" in wrong.stderr
        assert target.table_count() == 0


def test_a_changed_backup_is_refused_before_anything_is_written(
    practitioner: Persona, owner: Persona, tmp_path: Path
) -> None:
    note = _practice(practitioner, owner)
    path = _backup(tmp_path)
    notes = archives.members(path)["tables/charting_sessionnote.jsonl"]
    assert b"Tight suboccipitals" in notes
    tampered = tmp_path / "tampered.tar.gz"
    archives.rewrite(
        path,
        tampered,
        {"tables/charting_sessionnote.jsonl": notes.replace(b"Tight", b"Loose")},
    )
    with place("sqlite", tmp_path) as target:
        done = target.sacrum("restore", str(tampered), check=False)
        assert done.returncode == 1
        assert "charting_sessionnote.jsonl does not match its checksum" in done.stderr
        assert target.table_count() == 0 and target.uploads() == {}
    assert SessionNote.objects.get(pk=note.pk).palpation == "Tight suboccipitals"


def test_restore_refuses_a_server_whose_secret_key_would_not_verify_the_seals(
    practitioner: Persona, owner: Persona, tmp_path: Path, settings: Any
) -> None:
    _practice(practitioner, owner)
    path = _backup(tmp_path)
    with place("sqlite", tmp_path) as target:
        done = target.sacrum(
            "restore",
            str(path),
            check=False,
            env={"SACRUM_SECRET_KEY": "another-server-" + "z" * 40},
        )
        assert done.returncode == 1
        assert "secret key differs from the one the backup was made with" in done.stderr
        assert target.table_count() == 0


def test_backup_holds_addenda_and_the_audit_of_them(
    practitioner: Persona, owner: Persona, tmp_path: Path
) -> None:
    from sacrum.charting import services

    note = _practice(practitioner, owner)
    services.add_addendum(actor=practitioner.actor, note=note, text="Rang: better.")
    path = _backup(tmp_path)
    saved = archives.manifest(path)
    rows = {t["table"]: t["rows"] for t in saved["tables"]}
    assert rows["charting_addendum"] == Addendum.objects.count() == 1
    assert rows["access_auditentry"] == AuditEntry.objects.count()
    assert saved["database"] == connection.vendor
    assert saved["migrations"]["charting"].startswith("00")


def test_restore_with_replace_puts_back_the_backed_up_state(
    practitioner: Persona, owner: Persona, tmp_path: Path
) -> None:
    note = _practice(practitioner, owner)
    path = _backup(tmp_path)
    clients = set(Client.objects.values_list("pk", flat=True))
    later = new_client(owner, first="After")
    out = io.StringIO()
    call_command("restore", str(path), replace=True, stdout=out)
    assert "0 problems found." in out.getvalue()
    assert set(Client.objects.values_list("pk", flat=True)) == clients
    assert not Client.objects.filter(pk=later.pk).exists()
    assert SessionNote.objects.get(pk=note.pk).seal == note.seal


def test_a_backup_cut_short_is_refused(
    practitioner: Persona, owner: Persona, tmp_path: Path
) -> None:
    _practice(practitioner, owner)
    path = _backup(tmp_path)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(cut), replace=True)
    assert SessionNote.objects.count() == 1
