"""Dashboard card: the practitioner's own sessions with no note yet, and notes left unsigned
longer than the clinic allows."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sacrum.charting import selectors
from sacrum.kernel.actor import Actor

ORDER = 25


def card(request: HttpRequest) -> dict[str, Any] | None:
    """None unless the member has sessions to write up or drafts past the alert hours."""
    member = getattr(request, "member", None)
    if member is None or not member.can("clinical.edit"):
        return None
    actor = Actor.from_request(request)
    notes = selectors.overdue_drafts(actor)
    unwritten = selectors.sessions_without_note(actor)
    if not notes and not unwritten:
        return None
    return {
        "template": "charting/_dashboard_card.html",
        "notes": notes,
        "unwritten": unwritten,
        "unwritten_days": selectors.UNWRITTEN_DAYS,
        "hours": selectors.policy_of(member.clinic_id).unsigned_alert_hours,
    }
