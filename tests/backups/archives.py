"""Reading and rewriting backup files in tests (as someone tampering with one would)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        out = {}
        for member in tar:
            handle = tar.extractfile(member)
            assert handle is not None
            out[member.name] = handle.read()
        return out


def manifest(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(members(path)["manifest.json"])
    return loaded


def rewrite(source: Path, target: Path, changed: dict[str, bytes]) -> None:
    """A copy of the backup with some members' bytes replaced (manifest untouched unless named)."""
    with tarfile.open(target, "w:gz") as tar:
        for name, data in members(source).items():
            data = changed.get(name, data)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
