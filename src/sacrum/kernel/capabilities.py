"""Capability links: one way to mint, store, find, spend and revoke a secret in a URL.

Every link that opens something without a login (staff invitation, portal join, intake,
questionnaire and diary, booking confirmation and manage link, waitlist offer, calendar
feed) and every API token is a capability: whoever holds the token may act. The rules,
the same for all of them:

* A token is 256 random bits (``secrets.token_urlsafe(32)``), optionally wrapped in a
  Django signature with a timestamp (``signed_as``) so a made-up or too-old token is
  refused before the database is asked.
* Only the SHA-256 of the random part is stored (``token_digest``); a copy of the
  database opens nothing.
* An e-mailed link is minted by the worker at send time (``reissue``), never by the
  request that queued the e-mail: the job queue carries ids, not tokens. Each send mints
  anew and the earlier token of that row stops working.
* Finding a token is one indexed query on the digest plus the row's own "still open"
  conditions; an unknown, expired, used or revoked token all look the same.
* Single use is one conditional ``UPDATE`` (``claim``), so two submissions racing each
  other can't both pass.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core import signing
from django.db import models
from django.utils import timezone

from sacrum.kernel.actor import Actor

if TYPE_CHECKING:
    from sacrum.access.models import User
    from sacrum.clinics.models import Membership

M = TypeVar("M", bound=models.Model)

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 200  # a signed token is ~90 characters; anything longer is refused unread
DIGEST_FIELD = "token_digest"


@dataclass(frozen=True)
class Minted:
    """A fresh token: ``raw`` goes into the link (once), ``digest`` into the database."""

    raw: str
    digest: str


def digest(raw: str) -> str:
    """What the database keeps of a token: its SHA-256, hex."""
    return hashlib.sha256(raw.encode()).hexdigest()


def _signer(signed_as: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=signed_as)


def mint(*, prefix: str = "", signed_as: str | None = None) -> Minted:
    """A new token. ``prefix`` marks its kind (API tokens); ``signed_as`` adds a signature.

    The digest is always of the unsigned random part, so a signature can be checked and
    stripped before the lookup.
    """
    raw = f"{prefix}{secrets.token_urlsafe(TOKEN_BYTES)}"
    token = _signer(signed_as).sign(raw) if signed_as else raw
    return Minted(raw=token, digest=digest(raw))


def placeholder() -> str:
    """A digest for a row whose e-mail is not sent yet: of a token nobody ever saw."""
    return digest(f"unsent:{secrets.token_urlsafe(TOKEN_BYTES)}")


def digest_of(
    token: str, *, signed_as: str | None = None, max_age: dt.timedelta | None = None
) -> str | None:
    """The stored digest a token stands for, or ``None`` if malformed, tampered or too old."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    if signed_as is None:
        return digest(token)
    try:
        raw = _signer(signed_as).unsign(token, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return digest(raw)


def find(
    queryset: models.QuerySet[M],
    token: str,
    *,
    field: str = DIGEST_FIELD,
    signed_as: str | None = None,
    max_age: dt.timedelta | None = None,
) -> M | None:
    """The row a token opens within ``queryset`` (which carries the "still open" filters)."""
    found = digest_of(token, signed_as=signed_as, max_age=max_age)
    if found is None:
        return None
    return queryset.filter(**{field: found}).first()


def is_open(
    *, expires_at: dt.datetime | None, now: dt.datetime | None = None, **ended: Any
) -> bool:
    """Open: not past ``expires_at`` and none of the ``ended`` times (used, revoked…) set."""
    now = now or timezone.now()
    if expires_at is not None and expires_at <= now:
        return False
    return all(value is None for value in ended.values())


def claim(
    queryset: models.QuerySet[Any],
    pk: Any,
    *,
    used_field: str,
    expires_field: str | None = "expires_at",
    now: dt.datetime | None = None,
    **values: Any,
) -> bool:
    """Spend a single-use link: one conditional UPDATE, so only one caller ever wins."""
    now = now or timezone.now()
    conditions: dict[str, Any] = {"pk": pk, f"{used_field}__isnull": True}
    if expires_field:
        conditions[f"{expires_field}__gt"] = now
    return queryset.filter(**conditions).update(**{used_field: now}, **values) == 1


def revoke(
    queryset: models.QuerySet[Any], *, field: str = "revoked_at", now: dt.datetime | None = None
) -> int:
    """Stop every still-live link in ``queryset``; returns how many were stopped."""
    return queryset.filter(**{f"{field}__isnull": True}).update(**{field: now or timezone.now()})


def reissue(
    queryset: models.QuerySet[Any],
    pk: Any,
    *,
    field: str = DIGEST_FIELD,
    signed_as: str | None = None,
) -> str | None:
    """Mint the token an e-mail is about to carry, replacing the row's stored digest.

    ``queryset`` holds the row's "still open" filters: a link used, revoked or expired
    meanwhile gets no token (``None``: send nothing). Any token sent earlier for the
    row stops working, so a re-send or a retried send never leaves two live links.
    """
    fresh = mint(signed_as=signed_as)
    if queryset.filter(pk=pk).update(**{field: fresh.digest}) != 1:
        return None
    return fresh.raw


def public_actor(
    *,
    ip: str | None = None,
    user_agent: str = "",
    via: str = "link",
    user: User | None = None,
    member: Membership | None = None,
) -> Actor:
    """Whoever acts through a capability: no session of their own, audited by origin.

    ``member`` is set only where the write is made in a practitioner's name (a waitlist
    booking lands in their calendar); ``user`` only for a client's own portal login.
    """
    return Actor(user=user, member=member, ip=ip, user_agent=user_agent[:300], via=via)
