"""Tokens for the e-mailed links of online booking: signed, expiring, stored as a digest.

A token is ``<random>:<timestamp>:<signature>`` (Django's ``TimestampSigner`` with a
salt per purpose). The signature lets a tampered or made-up token be refused before
the database is asked; the timestamp caps its age; the database keeps only the SHA-256
of the random part, with its own expiry and revocation, so a copy of the database
holds nothing that opens a link.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core import signing

MAX_TOKEN_LENGTH = 200
REQUEST = "request"  # confirm an online booking (new or returning client)
MANAGE = "manage"  # reschedule or cancel one appointment


def _signer(purpose: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"sacrum.scheduling.{purpose}")


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token(purpose: str) -> tuple[str, str]:
    """``(token for the link, digest to store)``."""
    raw = secrets.token_urlsafe(32)
    return _signer(purpose).sign(raw), digest(raw)


def digest_of(token: str, purpose: str, max_age_seconds: int) -> str | None:
    """The stored digest a token stands for, or ``None`` if tampered, foreign or too old."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        raw = _signer(purpose).unsign(token, max_age=max_age_seconds)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return digest(raw)
