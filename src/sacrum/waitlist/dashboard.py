"""Dashboard card: how many clients wait, how many offers are out, who was booked lately.

Everyone who sees the schedule sees it (front desk and practitioners keep the list);
nothing shows while the waitlist is empty. Two queries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from sacrum.waitlist.models import EntryStatus, WaitlistEntry

ORDER = 35
RECENT = dt.timedelta(days=7)


def card(request: HttpRequest) -> dict[str, Any] | None:
    member = getattr(request, "member", None)
    if member is None or not member.can("schedule.view"):
        return None
    since = timezone.now() - RECENT
    counts = WaitlistEntry.objects.for_member(member, "view").aggregate(
        waiting=Count("id", filter=Q(status=EntryStatus.WAITING)),
        offered=Count("id", filter=Q(status=EntryStatus.OFFERED)),
        booked=Count("id", filter=Q(status=EntryStatus.BOOKED, closed_at__gte=since)),
    )
    if not any(counts.values()):
        return None
    return {"template": "waitlist/_dashboard_card.html", **counts}
