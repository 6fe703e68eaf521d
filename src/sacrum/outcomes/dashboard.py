"""Dashboard card: safety alerts from answers (PHQ-9 item 9) and clients whose latest
score is worse than their baseline by at least the minimal important change.

Only roles with ``outcome.view`` (practitioners, owners) get the card. Worsening is
shown for measurements in the last ``RECENT_DAYS`` days, so a long-closed course does
not crowd out today's clients.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from sacrum.outcomes.models import ChangeStatus, OutcomeAlert, OutcomeSummary

ORDER = 20
SHOWN = 6
RECENT_DAYS = 120


def card(request: HttpRequest) -> dict[str, Any] | None:
    member = getattr(request, "member", None)
    if member is None or not member.can("outcome.view"):
        return None
    alerts_qs = (
        OutcomeAlert.objects.for_member(member, "view")
        .filter(acknowledged_at__isnull=True)
        .select_related("client")
    )
    since = timezone.localdate() - dt.timedelta(days=RECENT_DAYS)
    worse_qs = (
        OutcomeSummary.objects.for_member(member, "view")
        .filter(status=ChangeStatus.WORSE, latest_on__gte=since)
        .select_related("client")
    )
    alerts = list(alerts_qs.order_by("-raised_at")[:SHOWN])
    worse = list(worse_qs.order_by("-latest_on")[:SHOWN])
    if not alerts and not worse:
        return None
    return {
        "template": "outcomes/_dashboard_card.html",
        "alerts": alerts,
        "alert_count": alerts_qs.count() if len(alerts) == SHOWN else len(alerts),
        "worse": worse,
        "worse_count": worse_qs.count() if len(worse) == SHOWN else len(worse),
    }
