"""Personal API tokens: shown once, stored as a SHA-256 digest, revocable.

Minted, digested and found by ``sacrum.kernel.capabilities`` like every link.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import ApiToken, AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.kernel import capabilities
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Forbidden

if TYPE_CHECKING:
    from sacrum.clinics.models import Membership

TOKEN_PREFIX = "sac_"


@transaction.atomic
def create_token(*, actor: Actor, name: str) -> tuple[ApiToken, str]:
    """Create a token for the actor's current membership; returns it and the raw secret."""
    if actor.member is None:
        raise Forbidden("Choose a clinic before creating a token")
    name = name.strip()
    if not name or len(name) > 80:
        raise ValueError("Give the token a name of 1 to 80 characters")
    prefix = secrets.token_hex(4)
    minted = capabilities.mint(prefix=f"{TOKEN_PREFIX}{prefix}_")
    token = ApiToken.objects.create(
        membership=actor.member, name=name, prefix=prefix, digest=minted.digest
    )
    audit.record(actor, AuditAction.CREATE, token)
    return token, minted.raw


@transaction.atomic
def revoke_token(*, actor: Actor, token: ApiToken) -> None:
    if capabilities.revoke(ApiToken.objects.filter(pk=token.pk)):
        token.refresh_from_db(fields=["revoked_at"])
        audit.record(actor, AuditAction.DELETE, token)


@transaction.atomic
def revoke_tokens_of(*, actor: Actor, member: Membership) -> int:
    """Revoke every live token of a membership (on deactivation), so re-activating the
    membership later does not bring old tokens back to life. Returns how many."""
    live = list(ApiToken.objects.select_for_update().filter(membership=member, revoked_at=None))
    now = timezone.now()
    for token in live:
        token.revoked_at = now
        audit.record(actor, AuditAction.DELETE, token)
    ApiToken.objects.bulk_update(live, ["revoked_at"])
    return len(live)


def tokens_of(member: Membership) -> list[ApiToken]:
    return list(ApiToken.objects.filter(membership=member))


def token_of(member: Membership, token_id: object) -> ApiToken:
    """One of the member's own tokens, or 404: another person's token does not exist here."""
    return get_scoped_or_404(ApiToken.objects.filter(membership=member), pk=token_id)


def authenticate_token(raw: str) -> Membership | None:
    """The membership a raw token stands for, or None if unknown, revoked or inactive."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = capabilities.find(
        ApiToken.objects.select_related("membership__clinic", "membership__user").filter(
            revoked_at__isnull=True
        ),
        raw,
        field="digest",
    )
    if token is None or not token.membership.active or not token.membership.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.membership
