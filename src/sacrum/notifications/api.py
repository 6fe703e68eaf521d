"""Notifications API routes, mounted at /api/v1 by ``sacrum.api.api``.

Reminder settings (read by staff, changed by the owner), one appointment's reminders,
and the caller's calendar feeds (the owner sees and may revoke everyone's). None of
it is clinical: reminders and feeds carry times, services, places and initials only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from sacrum.kernel.api import actor_of
from sacrum.notifications import selectors, services
from sacrum.notifications.models import (
    MAX_OFFSET,
    MAX_OFFSETS,
    MIN_OFFSET,
    CalendarFeed,
    ReminderDelivery,
    ReminderPolicy,
)

router = Router(tags=["notifications"])


class ReminderPolicyIn(Schema):
    enabled: bool
    offsets_minutes: list[int] = Field(
        max_length=MAX_OFFSETS,
        description=f"Minutes before the start, each {MIN_OFFSET} to {MAX_OFFSET} (2880 = 48 h).",
    )


class ReminderPolicyOut(Schema):
    enabled: bool
    offsets_minutes: list[int]
    saved: bool = Field(description="False while the clinic uses the defaults.")

    @staticmethod
    def of(p: ReminderPolicy) -> dict[str, Any]:
        return {"enabled": p.enabled, "offsets_minutes": p.offsets, "saved": p.pk is not None}


class ReminderOut(Schema):
    id: uuid.UUID
    offset_minutes: int
    appointment_start: dt.datetime
    due_at: dt.datetime
    state: str
    reason: str
    attempts: int
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None


class FeedOut(Schema):
    id: uuid.UUID
    practitioner_id: uuid.UUID
    active: bool
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_fetched_at: dt.datetime | None

    @staticmethod
    def of(f: CalendarFeed) -> dict[str, Any]:
        return {**{k: getattr(f, k) for k in FeedOut.model_fields if hasattr(f, k)}}


class NewFeedOut(FeedOut):
    url: str = Field(description="Shown once: only a hash of the token is stored.")


@router.get("/reminder-policy", response=ReminderPolicyOut, summary="The clinic's reminder times")
def get_policy(request: HttpRequest) -> dict[str, Any]:
    return ReminderPolicyOut.of(selectors.policy_for(actor_of(request)))


@router.put("/reminder-policy", response=ReminderPolicyOut, summary="Set the reminder times")
def put_policy(request: HttpRequest, payload: ReminderPolicyIn) -> dict[str, Any]:
    policy = services.save_policy(
        actor=actor_of(request), enabled=payload.enabled, offsets_minutes=payload.offsets_minutes
    )
    return ReminderPolicyOut.of(policy)


@router.get(
    "/appointments/{appointment_id}/reminders",
    response=list[ReminderOut],
    summary="The reminders of one appointment: sent, waiting, or why not",
)
def list_reminders(request: HttpRequest, appointment_id: uuid.UUID) -> list[ReminderDelivery]:
    return selectors.appointment_deliveries(actor_of(request), appointment_id)


@router.get("/calendar-feeds", response=list[FeedOut], summary="Your feeds (owner: everyone's)")
def list_feeds(request: HttpRequest) -> list[dict[str, Any]]:
    return [FeedOut.of(f) for f in selectors.feeds_for(actor_of(request))]


@router.post(
    "/calendar-feeds",
    response={201: NewFeedOut},
    summary="Create your private feed (replaces an active one); the URL is shown once",
)
def create_feed(request: HttpRequest) -> Status[dict[str, Any]]:
    feed, raw = services.create_feed(actor=actor_of(request))
    return Status(201, {**FeedOut.of(feed), "url": services.feed_url(raw)})


@router.delete("/calendar-feeds/{calendar_feed_id}", response={204: None}, summary="Revoke a feed")
def revoke_feed(request: HttpRequest, calendar_feed_id: uuid.UUID) -> Status[None]:
    actor = actor_of(request)
    services.revoke_feed(actor=actor, feed=selectors.feed_for(actor, calendar_feed_id))
    return Status(204, None)
