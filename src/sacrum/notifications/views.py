"""Pages: the owner's reminder settings, a practitioner's calendar feed, and the feed itself."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from sacrum.kernel.actor import StaffActor
from sacrum.kernel.errors import Conflict
from sacrum.kernel.forms import add_service_errors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest
from sacrum.notifications import selectors, services
from sacrum.notifications.forms import ReminderPolicyForm
from sacrum.notifications.ical import build_feed
from sacrum.notifications.models import CalendarFeed, DeliveryState
from sacrum.notifications.reminders import describe_offset
from sacrum.scheduling.local_time import local, zone
from sacrum.scheduling.services.booking import CLINICAL_ROLES

RECENT = 30


def _recent_deliveries(actor: StaffActor) -> tuple[list[dict[str, Any]], Counter[str]]:
    """The latest reminders (times in each location's zone) and 30-day counts by state."""
    since = timezone.now() - dt.timedelta(days=30)
    qs = selectors.deliveries_for(actor)
    counts = Counter(
        dict(qs.filter(due_at__gte=since).order_by().values_list("state").annotate(n=Count("id")))
    )
    rows = []
    for d in qs.order_by("-due_at")[:RECENT]:
        tz = zone(d.appointment.location.time_zone)
        rows.append(
            {
                "delivery": d,
                "due": local(d.due_at, tz),
                "start": local(d.appointment_start, tz),
                "sent": local(d.sent_at, tz) if d.sent_at else None,
                "offset": describe_offset(d.offset_minutes),
            }
        )
    return rows, counts


@member_required("clinic.manage")
def reminder_settings(request: MemberRequest) -> HttpResponse:
    actor = StaffActor.from_request(request)
    policy = selectors.policy_for(actor)
    initial = {
        "enabled": policy.enabled,
        "offsets": services.format_offsets(policy.offsets),
    }
    form = ReminderPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_policy(
                actor=actor,
                enabled=form.cleaned_data["enabled"],
                offsets_minutes=form.cleaned_data["offsets"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Reminder settings saved.")
            return redirect("web:reminder_settings")
    rows, counts = _recent_deliveries(actor)
    return render(
        request,
        "notifications/reminders.html",
        {
            "form": form,
            "policy": policy,
            "offsets": [describe_offset(o) for o in policy.offsets],
            "deliveries": rows,
            "sent_count": counts.get(DeliveryState.SENT, 0),
            "failed_count": counts.get(DeliveryState.FAILED, 0),
            "pending_count": counts.get(DeliveryState.PENDING, 0),
        },
    )


def _feed_page(request: HttpRequest, actor: StaffActor, **extra: Any) -> HttpResponse:
    member = actor.member
    assert member is not None
    others: list[CalendarFeed] = []
    if actor.can("staff.manage"):
        others = list(
            selectors.feeds_for(actor)
            .filter(revoked_at__isnull=True)
            .exclude(practitioner=member)
            .order_by("practitioner__user__full_name")
        )
    context = {
        "feed": selectors.own_feed(actor),
        "can_have_feed": member.role in CLINICAL_ROLES,
        "others": others,
        **extra,
    }
    return render(request, "notifications/feed.html", context)


@never_cache
@member_required("schedule.view")
def calendar_feed(request: MemberRequest) -> HttpResponse:
    """Your private feed: create or replace it (the address is shown once), or revoke it."""
    actor = StaffActor.from_request(request)
    if request.method == "POST":
        try:
            feed, raw = services.create_feed(actor=actor)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("web:calendar_feed")
        return _feed_page(request, actor, new_url=services.feed_url(raw), new_feed=feed)
    return _feed_page(request, actor)


@require_POST
@member_required("schedule.view")
def calendar_feed_revoke(request: MemberRequest, calendar_feed_id: uuid.UUID) -> HttpResponse:
    actor = StaffActor.from_request(request)
    feed = selectors.feed_for(actor, calendar_feed_id)
    services.revoke_feed(actor=actor, feed=feed)
    messages.success(request, "The calendar feed was revoked: calendars using it stop updating.")
    return redirect("web:calendar_feed")


@require_safe
def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no sign-in, the token is the key; unknown or revoked is a plain 404."""
    feed = services.find_feed(token)
    if feed is None:
        raise Http404("No such calendar feed.")
    response = HttpResponse(build_feed(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
