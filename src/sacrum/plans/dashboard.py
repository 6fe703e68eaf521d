"""Dashboard card: plans due for review and questionnaires overdue.

A practitioner sees their own plans; an owner sees the clinic's. The front desk sees
nothing (plans are clinical).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from sacrum.access.roles import Role
from sacrum.plans import measurements
from sacrum.plans.models import Measurement, Plan, PlanStatus
from sacrum.plans.services import local_today

ORDER = 25
SHOWN = 6
REVIEW_AHEAD = dt.timedelta(days=7)


def card(request: HttpRequest) -> dict[str, Any] | None:
    member = getattr(request, "member", None)
    if member is None or not member.can("clinical.view"):
        return None
    plans = Plan.objects.for_member(member, "view").filter(status=PlanStatus.ACTIVE)
    due = Measurement.objects.for_member(member, "view")
    if member.role != Role.OWNER:
        plans = plans.filter(practitioner=member)
        due = due.filter(plan__practitioner=member)
    today = local_today(member.clinic)
    review = plans.filter(next_review_on__lte=today + REVIEW_AHEAD).select_related("client")
    overdue = measurements.overdue(due, timezone.now()).select_related("client")
    reviews = list(review.order_by("next_review_on")[:SHOWN])
    late = list(overdue.order_by("due_at")[:SHOWN])
    if not reviews and not late and not plans.exists():
        return None
    return {
        "template": "plans/_dashboard_card.html",
        "reviews": reviews,
        "review_count": review.count() if len(reviews) == SHOWN else len(reviews),
        "overdue": late,
        "overdue_count": overdue.count() if len(late) == SHOWN else len(late),
        "today": today,
    }
