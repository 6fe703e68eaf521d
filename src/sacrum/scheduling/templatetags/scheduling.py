"""``{% load scheduling %}{% client_appointments client %}``: a client's upcoming and past visits."""

from __future__ import annotations

from typing import Any

from django import template

from sacrum.kernel.actor import StaffActor
from sacrum.kernel.requests import is_member_request
from sacrum.scheduling import selectors
from sacrum.scheduling.local_time import local, zone

register = template.Library()


@register.inclusion_tag("scheduling/_client_appointments.html", takes_context=True)
def client_appointments(context: dict[str, Any], client: Any) -> dict[str, Any]:
    request = context["request"]
    if not is_member_request(request):  # no clinic: as a role that may not see the schedule
        return {"allowed": False}
    actor = StaffActor.from_request(request)
    if not actor.can("schedule.view"):
        return {"allowed": False}
    upcoming, past = selectors.client_appointments(actor, client)
    for appointment in (*upcoming, *past):  # each in its location's local time
        tz = zone(appointment.location.time_zone)
        appointment.local_start = local(appointment.start, tz)  # type: ignore[attr-defined]
    return {
        "allowed": True,
        "client": client,
        "upcoming": upcoming,
        "past": past,
        "can_book": actor.can("schedule.edit"),
    }
