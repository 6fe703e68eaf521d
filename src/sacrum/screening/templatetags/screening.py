"""``{% client_alerts client %}``: the safety banner for any page that shows a client.

Clinical roles see what fired and can act on it; the front desk sees only whether a
practitioner's review is pending, never the condition.
"""

from __future__ import annotations

from typing import Any

from django import template

from sacrum.clients.models import Client
from sacrum.screening import selectors
from sacrum.screening.gates import booking_gate

register = template.Library()


@register.inclusion_tag("screening/_alerts.html", takes_context=True)
def client_alerts(context: template.Context, client: Client) -> dict[str, Any]:
    request = context.get("request")
    member = getattr(request, "member", None)
    base = {"client": client, "csrf_token": context.get("csrf_token")}
    if member is not None and member.can("clinical.view"):
        return {
            **base,
            "clinical": True,
            "can_edit": member.can("clinical.edit"),
            "summary": selectors.summary_of(client),
            "draft_letter": client.referral_letters.filter(status="draft")
            .order_by("-created_at")
            .first(),
        }
    return {**base, "clinical": False, "booking_reasons": booking_gate(client)}


@register.inclusion_tag("screening/_client_card.html", takes_context=True)
def client_screening(context: template.Context, client: Client) -> dict[str, Any]:
    """The client page's card: intakes, check-ins and what can be started from here."""
    request = context.get("request")
    member = getattr(request, "member", None)
    clinical = member is not None and member.can("clinical.view")
    return {
        "client": client,
        "csrf_token": context.get("csrf_token"),
        "clinical": clinical,
        "can_edit": member is not None and member.can("clinical.edit"),
        "intakes": selectors.intakes_of(client) if clinical else [],
        "check_ins": selectors.check_ins_of(client)[:10] if clinical else [],
        "letters": list(client.referral_letters.order_by("-created_at")) if clinical else [],
        "has_intake": client.intakes.exists(),
        "can_link": member is not None and member.can("client.edit"),
        "links": list(client.intake_links.order_by("-created_at")[:3]),
    }


@register.filter
def answer_label(question: Any, value: Any) -> str:
    return str(question.label_for(value))
