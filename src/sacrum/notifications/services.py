"""Writes: a clinic's reminder settings, and practitioners' calendar feeds (create, revoke)."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.clinics.models import Membership
from sacrum.kernel import capabilities
from sacrum.kernel.actor import Actor
from sacrum.kernel.errors import Conflict, Forbidden
from sacrum.kernel.permissions import require
from sacrum.notifications.models import (
    CalendarFeed,
    DeliveryState,
    ReminderDelivery,
    ReminderPolicy,
    SkipReason,
)
from sacrum.scheduling.services.booking import CLINICAL_ROLES

UNITS = {"m": 1, "min": 1, "h": 60, "d": 24 * 60}
OFFSET_RE = re.compile(r"^\s*(\d{1,4})\s*(m|min|h|d)\s*$", re.IGNORECASE)


# --- reminder settings --------------------------------------------------------------------


def parse_offsets(text: str) -> list[int]:
    """'48h, 2h' → [2880, 120]: what the settings page accepts (m, h or d after a number)."""
    minutes = []
    for part in [p for p in re.split(r"[,;]", text) if p.strip()]:
        match = OFFSET_RE.match(part)
        if match is None:
            raise ValidationError(
                {"offsets": f"“{part.strip()}” is not a time like 48h, 2h, 30m or 2d."}
            )
        minutes.append(int(match.group(1)) * UNITS[match.group(2).lower()])
    return sorted(minutes, reverse=True)


def format_offsets(minutes: list[int]) -> str:
    """[2880, 120] → '48h, 2h' (the form's initial value)."""
    out = []
    for m in minutes:
        out.append(f"{m // 60}h" if m % 60 == 0 else f"{m}m")
    return ", ".join(out)


@transaction.atomic
def save_policy(*, actor: Actor, enabled: bool, offsets_minutes: list[int]) -> ReminderPolicy:
    """Set when clients are reminded. Turning reminders off withdraws those not yet sent."""
    require(actor, "clinic.manage")
    assert actor.clinic is not None
    policy = ReminderPolicy.objects.filter(clinic=actor.clinic).first()
    created = policy is None
    policy = policy or ReminderPolicy(clinic=actor.clinic)
    policy.enabled = bool(enabled)
    policy.offsets_minutes = sorted(offsets_minutes, reverse=True) if offsets_minutes else []
    try:
        policy.full_clean(exclude=["clinic"])
    except ValidationError as exc:
        raise ValidationError(
            {"offsets" if k == "offsets_minutes" else k: v for k, v in exc.message_dict.items()}
        ) from exc
    if policy.enabled and not policy.offsets_minutes:
        raise ValidationError(
            {"offsets": "Give at least one reminder time, or turn reminders off."}
        )
    policy.save()
    if not policy.enabled:
        ReminderDelivery.objects.filter(clinic=actor.clinic, state=DeliveryState.PENDING).update(
            state=DeliveryState.CANCELLED, reason=SkipReason.CANCELLED, next_attempt_at=None
        )
    audit.record(actor, AuditAction.CREATE if created else AuditAction.UPDATE, policy)
    return policy


# --- calendar feeds -----------------------------------------------------------------------


digest = capabilities.digest  # what a feed row keeps of its token


def feed_url(raw: str) -> str:
    return f"{settings.SITE_URL}{reverse('web:calendar_feed_ics', kwargs={'token': raw})}"


def _can_have_feed(member: Membership | None) -> bool:
    return bool(member and member.active and member.role in CLINICAL_ROLES)


@transaction.atomic
def create_feed(*, actor: Actor) -> tuple[CalendarFeed, str]:
    """A new private feed for the acting practitioner; any previous one stops working.

    Returns (feed, token): the token is shown once — only its SHA-256 is stored.
    """
    require(actor, "schedule.view")
    member = actor.member
    if not _can_have_feed(member):
        raise Forbidden("Calendar feeds are for staff who see clients.")
    assert member is not None
    now = timezone.now()
    for old in CalendarFeed.objects.select_for_update().filter(
        practitioner=member, revoked_at__isnull=True
    ):
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        audit.record(actor, AuditAction.DELETE, old)
    minted = capabilities.mint()
    try:
        with transaction.atomic():
            feed = CalendarFeed.objects.create(
                clinic=member.clinic,
                practitioner=member,
                token_digest=minted.digest,
                created_by=actor.user,
            )
    except IntegrityError as exc:  # a simultaneous request made one first
        raise Conflict("A new feed was just created in another window; reload the page.") from exc
    audit.record(actor, AuditAction.CREATE, feed)
    return feed, minted.raw


def revoke_feed(*, actor: Actor, feed: CalendarFeed) -> CalendarFeed:
    """Stop a feed: one's own, or (owner) anyone's in the clinic. Revoking twice is harmless."""
    require(actor, "schedule.view")
    own = actor.member is not None and feed.practitioner_id == actor.member.pk
    if not own and not actor.can("staff.manage"):
        raise Forbidden("Only the practitioner or the clinic owner can revoke this feed.")
    if capabilities.revoke(CalendarFeed.objects.filter(pk=feed.pk)):
        feed.refresh_from_db(fields=["revoked_at"])
        audit.record(actor, AuditAction.DELETE, feed)
    return feed


FETCH_NOTE_EVERY = 300  # seconds: note the last fetch at most every five minutes


def find_feed(raw: str) -> CalendarFeed | None:
    """The live feed for a token, or None (unknown, revoked, or the member left the clinic)."""
    feed = capabilities.find(
        CalendarFeed.objects.select_related("practitioner__clinic", "practitioner__user").filter(
            revoked_at__isnull=True
        ),
        raw,
    )
    if feed is None or not _can_have_feed(feed.practitioner):
        return None
    now = timezone.now()
    if feed.last_fetched_at is None or (now - feed.last_fetched_at).total_seconds() > (
        FETCH_NOTE_EVERY
    ):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    return feed
