"""The one capability-link module: what is stored, how a token is found, spent and replaced."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from sacrum.clinics.models import Invitation
from sacrum.kernel import capabilities

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _invitation(clinic: Any, digest: str) -> Invitation:
    return Invitation.objects.create(
        clinic=clinic,
        email="new@example.test",
        role="practitioner",
        token_digest=digest,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )


def _open() -> Any:
    return Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)


def test_only_the_digest_is_kept_and_it_finds_the_row(clinic: Any) -> None:
    minted = capabilities.mint()
    invitation = _invitation(clinic, minted.digest)
    assert minted.raw not in minted.digest and len(minted.digest) == 64
    assert capabilities.find(_open(), minted.raw) == invitation
    assert capabilities.find(_open(), minted.digest) is None  # the stored value opens nothing
    assert capabilities.find(_open(), "x" * 500) is None


def test_a_signed_token_is_refused_when_tampered_foreign_or_too_old(clinic: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        minted = capabilities.mint(signed_as="sacrum.test.request")
        invitation = _invitation(clinic, minted.digest)
    hour = dt.timedelta(hours=1)
    with time_machine.travel(NOW + dt.timedelta(minutes=30), tick=False):
        assert (
            capabilities.find(_open(), minted.raw, signed_as="sacrum.test.request", max_age=hour)
            == invitation
        )
        assert (
            capabilities.find(_open(), minted.raw, signed_as="sacrum.test.other", max_age=hour)
            is None
        )
        assert capabilities.find(_open(), minted.raw + "x", signed_as="sacrum.test.request") is None
    with time_machine.travel(NOW + dt.timedelta(minutes=61), tick=False):
        assert (
            capabilities.find(_open(), minted.raw, signed_as="sacrum.test.request", max_age=hour)
            is None
        )


def test_a_single_use_link_is_claimed_once(clinic: Any) -> None:
    minted = capabilities.mint()
    invitation = _invitation(clinic, minted.digest)
    claim: dict[str, Any] = dict(used_field="accepted_at", expires_field="expires_at")
    assert capabilities.claim(Invitation.objects.all(), invitation.pk, **claim) is True
    assert capabilities.claim(Invitation.objects.all(), invitation.pk, **claim) is False
    assert capabilities.find(_open(), minted.raw) is None


def test_reissue_replaces_the_token_and_refuses_a_closed_row(clinic: Any) -> None:
    invitation = _invitation(clinic, capabilities.placeholder())
    first = capabilities.reissue(_open(), invitation.pk)
    second = capabilities.reissue(_open(), invitation.pk)
    assert first and second and first != second
    assert capabilities.find(_open(), first) is None  # a re-send stops the earlier link
    assert capabilities.find(_open(), second) == invitation
    assert capabilities.revoke(Invitation.objects.filter(pk=invitation.pk)) == 1
    assert capabilities.reissue(_open(), invitation.pk) is None  # revoked: nothing to send
    assert capabilities.find(_open(), second) is None


def test_the_public_actor_has_no_account_and_a_short_user_agent() -> None:
    actor = capabilities.public_actor(ip="203.0.113.5", user_agent="x" * 999, via="online")
    assert actor.user is None and actor.member is None and actor.via == "online"
    assert actor.ip == "203.0.113.5" and len(actor.user_agent) == 300
