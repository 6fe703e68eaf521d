"""Making a backup: every table as of one instant, the uploaded files, the manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sacrum.backups import archive, schema, values
from sacrum.backups.snapshot import consistent_reads

# An HMAC of a fixed text with the server's secret key: restore compares it with its own
# keys to tell, before loading anything, whether the seals of signed notes will verify.
KEY_CHECK_SALT = "sacrum.backups.secret-key-check-1"


def key_check(secret: str | None = None) -> str:
    return salted_hmac(
        KEY_CHECK_SALT, "sacrum-backup", secret=secret, algorithm="sha256"
    ).hexdigest()


def sacrum_version() -> str:
    try:
        return metadata.version("sacrum")
    except metadata.PackageNotFoundError:
        return "unknown"


def files_folder() -> Path | None:
    """Where uploaded files live (the data folder's private/), if on the local disk."""
    location = getattr(storages["default"], "location", None)
    return Path(location) if location else None


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    size: int
    tables: int
    rows: int
    files: int


def _dump_table(model: Any, alias: str, out: Path) -> dict[str, Any]:
    cols = schema.columns(model)
    names = schema.attnames(model)
    digest, count, size = hashlib.sha256(), 0, 0
    rows = model._base_manager.using(alias).order_by("pk").values_list(*names)
    with out.open("wb") as handle:
        for row in rows.iterator(chunk_size=2000):
            record = {col: values.encode(k, v) for (col, k), v in zip(cols, row, strict=True)}
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
            digest.update(line)
            handle.write(line)
            count += 1
            size += len(line)
    return {
        **schema.describe(model),
        "file": f"tables/{model._meta.db_table}.jsonl",
        "columns": dict(cols),
        "rows": count,
        "size": size,
        "sha256": digest.hexdigest(),
    }


def make_backup(
    destination: Path,
    *,
    key: str | None = None,
    progress: Callable[[str], None] = lambda _line: None,
    now: dt.datetime | None = None,
) -> BackupSummary:
    """Write a backup of the whole database and the uploaded files to ``destination``."""
    connection = connections[DEFAULT_DB_ALIAS]
    leaves = schema.applied_leaves(connection)
    models = schema.backed_up_models(schema.state_apps(leaves))
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".sacrum-backup-", dir=destination.parent) as tmp:
        work = Path(tmp)
        (work / "tables").mkdir()
        tables = []
        with consistent_reads(connection, work) as alias:
            taken_at = now or timezone.now()
            for number, model in enumerate(models, 1):
                entry = _dump_table(model, alias, work / "tables" / f"{model._meta.db_table}.jsonl")
                tables.append(entry)
                progress(f"[{number}/{len(models)}] {entry['table']}: {entry['rows']} rows")
        members = [(t["file"], work / t["file"]) for t in tables]
        files = []
        folder = files_folder()
        if folder is not None and folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                digest, size = archive.sha256_of(path)
                name = "files/" + path.relative_to(folder).as_posix()
                files.append({"path": name, "size": size, "sha256": digest})
                members.append((name, path))
        progress(f"{len(files)} uploaded files")
        manifest = {
            "format": archive.FORMAT,
            "created_at": taken_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "sacrum_version": sacrum_version(),
            "database": connection.vendor,
            "migrations": leaves,
            "secret_key_check": key_check(),
            "encrypted": key is not None,
            "tables": tables,
            "files": files,
        }
        size = archive.write(destination, manifest, members, key)
    return BackupSummary(destination, size, len(tables), sum(t["rows"] for t in tables), len(files))
