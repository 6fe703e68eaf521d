"""What screening allows: the gates other capabilities call before booking, and what it
still asks for beside a session note.

``booking_gate(client)`` returns the reasons a booking may not go ahead now; an empty list
means it may. ``charting_gate(client)`` returns what screening still asks for before the
next session (consent, an intake, a clearance, an assessment, an acknowledgement):
charting shows it beside the note of a session that took place, as paperwork to follow
up, and never leaves a session unwritten because of it. They read the database directly
(no actor) because the caller has already decided who may see the client; the
booking reasons never name a condition, so they can be shown to the front desk and
to the client booking online. ``urgent_gate(client)`` is the part that holds every
booking route, staff included: an urgent finding (the client was told to seek care
now) until a practitioner records a medical assessment. See docs/screening.md.
"""

from __future__ import annotations

from django.db.models import Q

from sacrum.clients.consent import consent_state
from sacrum.clients.models import Client
from sacrum.screening.engine import BLOCK, WARN
from sacrum.screening.models import AlertStatus, ClientAlert, Intake

NO_INTAKE = (
    "No health-history intake is on file. Ask the client to fill it in "
    "(send the link or open it on the tablet) before their next session."
)
CONSENT_MISSING = {
    "none": "The client has not signed the consent form. Ask them to sign it before their next session.",
    "withdrawn": "The client has withdrawn their consent. No further session unless they sign again.",
    "outdated": "The clinic's consent text has changed. Ask the client to sign the new version before their next session.",
}
BOOKING_BLOCKED = (
    "A practitioner needs to review this client's health answers before a session can be booked."
)
ERASED = "This client has been erased: nothing more can be booked or charted for them."
URGENT_HOLD = (
    "This client was advised to seek urgent medical care. No session can be booked until a "
    "practitioner records that they have been medically assessed."
)


def _open_alerts(client: Client) -> list[ClientAlert]:
    return list(
        ClientAlert.objects.filter(client=client, status=AlertStatus.OPEN)
        .filter(Q(action__in=(BLOCK, WARN)) | Q(urgent=True))
        .select_related("rule")
    )


def charting_gate(client: Client) -> list[str]:
    """Why a session can't be charted for ``client`` now (empty: it can).

    A current signed consent is needed; blocks need a recorded physician's clearance,
    urgent findings a recorded medical assessment, warnings a practitioner's
    acknowledgement; without an intake nothing was screened.
    """
    if client.erased_at is not None:
        return [ERASED]
    reasons: list[str] = []
    state = consent_state(client)
    if state != "current":
        reasons.append(CONSENT_MISSING[state])
    if not Intake.objects.filter(client=client).exists():
        reasons.append(NO_INTAKE)
    alerts = sorted(
        _open_alerts(client), key=lambda a: (not a.urgent, a.action != BLOCK, a.rule.title)
    )
    for alert in alerts:
        if alert.action == BLOCK:
            reasons.append(
                f"Blocked: {alert.rule.title}. Record a physician's clearance before the next "
                "session."
            )
        elif alert.urgent:
            reasons.append(
                f"Urgent: {alert.rule.title}. The client was told to seek urgent medical care; "
                "record that they have been medically assessed before the next session."
            )
        else:
            reasons.append(f"Warning not yet acknowledged: {alert.rule.title}.")
    return reasons


def urgent_gate(client: Client) -> list[str]:
    """Why no one, staff included, may book ``client`` now (empty: nothing urgent is open)."""
    if client.erased_at is not None:
        return [ERASED]
    if ClientAlert.objects.filter(client=client, status=AlertStatus.OPEN, urgent=True).exists():
        return [URGENT_HOLD]
    return []


def booking_gate(client: Client) -> list[str]:
    """Why ``client`` can't be booked online now (empty: they can). Names no condition."""
    urgent = urgent_gate(client)
    if urgent:
        return urgent
    if ClientAlert.objects.filter(client=client, status=AlertStatus.OPEN, action=BLOCK).exists():
        return [BOOKING_BLOCKED]
    return []


def is_blocked(client: Client) -> bool:
    return bool(booking_gate(client))
