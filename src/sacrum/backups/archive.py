"""The backup file: a gzip-compressed tar, optionally encrypted as a whole.

Layout (``FORMAT``)::

    manifest.json              what is inside, with a SHA-256 per member (below)
    tables/<db_table>.jsonl    one JSON object per row, {column: value} (see values.py)
    files/<path>               the uploaded files, as under the data folder's private/

The manifest holds the Sacrum version, the database it came from, the last applied
migration of each app, each table's model, columns and their kinds, row count and
checksum, and each file's size and checksum. Reading checks every checksum (and that
nothing is missing or extra) before anything is restored.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sacrum.backups import crypto
from sacrum.backups.errors import BackupError

FORMAT = "sacrum-backup-1"
MANIFEST = "manifest.json"
CHUNK = 1 << 20


def sha256_of(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def write(
    destination: Path,
    manifest: dict[str, Any],
    members: list[tuple[str, Path]],
    key: str | None,
) -> int:
    """Write the archive (manifest first) to ``destination`` atomically; its size in bytes."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    try:
        with tarfile.open(partial, "w:gz", format=tarfile.PAX_FORMAT) as tar:
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(body), 0o600, 0
            tar.addfile(info, io.BytesIO(body))
            for name, path in members:
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = path.stat().st_size, 0o600, 0
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
        if key is not None:
            partial.write_bytes(crypto.encrypt(partial.read_bytes(), key))
        os.chmod(partial, 0o600)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination.stat().st_size


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"The backup holds a file with an unsafe name: {name!r}.")
    return path


@dataclass
class OpenedBackup:
    """A backup checked member by member and unpacked into a private folder."""

    manifest: dict[str, Any]
    folder: Path

    def rows(self, table: dict[str, Any]) -> Iterator[dict[str, Any]]:
        with (self.folder / table["file"]).open("rb") as handle:
            for line in handle:
                yield json.loads(line)

    def file(self, entry: dict[str, Any]) -> Path:
        return self.folder / str(entry["path"])


def _manifest_of(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
        handle = tar.extractfile(member)
        assert handle is not None
        manifest = json.loads(handle.read())
    except (KeyError, AssertionError, ValueError) as exc:
        raise BackupError("This file is not a Sacrum backup (no readable manifest).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            f"This backup's format is {manifest.get('format')!r}; this Sacrum reads {FORMAT!r}."
        )
    return manifest


def _expected(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    expected: dict[str, dict[str, Any]] = {}
    for entry in manifest.get("tables", []):
        expected[entry["file"]] = entry
    for entry in manifest.get("files", []):
        expected[entry["path"]] = entry
    for name in expected:
        _safe_name(name)
        if not name.startswith(("tables/", "files/")):
            raise BackupError(f"The backup holds a member outside tables/ and files/: {name!r}.")
    return expected


def _unpack(tar: tarfile.TarFile, folder: Path, expected: dict[str, dict[str, Any]]) -> None:
    seen: set[str] = set()
    for member in tar:
        if member.name == MANIFEST:
            continue
        entry = expected.get(member.name)
        if entry is None or not member.isfile() or member.name in seen:
            raise BackupError(f"The backup holds an unexpected member: {member.name!r}.")
        seen.add(member.name)
        target = folder / _safe_name(member.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(member)
        assert source is not None
        digest, size = hashlib.sha256(), 0
        with target.open("wb") as out:
            while block := source.read(CHUNK):
                digest.update(block)
                size += len(block)
                out.write(block)
        if digest.hexdigest() != entry["sha256"] or size != entry.get("size", size):
            raise BackupError(
                f"The backup is damaged or was changed: {member.name} does not match its "
                "checksum. Nothing was restored."
            )
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"The backup is incomplete: {missing[0]} is missing.")


def open_backup(path: Path, key: str | None, work: Path) -> OpenedBackup:
    """Decrypt if needed, check every member against the manifest, unpack into ``work``."""
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    with path.open("rb") as handle:
        head = handle.read(8)
    source: IO[bytes]
    if crypto.is_encrypted(head):
        source = io.BytesIO(crypto.decrypt(path.read_bytes(), key))
    else:
        source = path.open("rb")
    try:
        with source, tarfile.open(fileobj=source, mode="r:gz") as tar:
            manifest = _manifest_of(tar)
            _unpack(tar, work, _expected(manifest))
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise BackupError(
            "This file is not a Sacrum backup, or it is damaged (not a readable archive)."
        ) from exc
    return OpenedBackup(manifest, work)


def private_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="sacrum-restore-"))


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
