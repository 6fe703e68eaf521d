"""Optional encryption of a backup file with a key from the environment.

Fernet (from the ``cryptography`` package: AES-128-CBC with HMAC-SHA256, a timestamped
and authenticated token) encrypts the finished archive. A wrong key, or a changed
byte, fails authentication: nothing is decrypted. The key is ``SACRUM_BACKUP_KEY``,
made once with ``sacrum backup --new-key`` and kept apart from the backups.
"""

from __future__ import annotations

import os

from cryptography.fernet import Fernet, InvalidToken

from sacrum.backups.errors import BackupError

KEY_ENV = "SACRUM_BACKUP_KEY"
# A Fernet token is URL-safe base64 of a version byte 0x80 and an 8-byte time: it
# always begins with "gAAAAA"; a plain backup is a gzip stream (1f 8b).
_TOKEN_START = b"gAAAAA"


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def configured_key() -> str | None:
    value = os.environ.get(KEY_ENV, "").strip()
    return value or None


def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise BackupError(
            f"{KEY_ENV} is not a backup key (make one with `sacrum backup --new-key`)."
        ) from exc


def encrypt(data: bytes, key: str) -> bytes:
    return _fernet(key).encrypt(data)


def is_encrypted(head: bytes) -> bool:
    return head.startswith(_TOKEN_START)


def decrypt(token: bytes, key: str | None) -> bytes:
    if key is None:
        raise BackupError(f"This backup is encrypted: set {KEY_ENV} to the key it was made with.")
    try:
        return _fernet(key).decrypt(token)
    except InvalidToken as exc:
        raise BackupError(
            f"This backup does not open with the key in {KEY_ENV}: a different key, "
            "or the file was changed. Nothing was restored."
        ) from exc
