"""Roles and what each may do. The single table every permission check reads."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    PRACTITIONER = "practitioner", "Practitioner"
    FRONT_DESK = "front_desk", "Front desk"


# Actions are "<area>.<verb>". Clinical areas are never granted to the front desk.
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(
        {
            "clinic.view",
            "clinic.manage",
            "staff.view",
            "staff.manage",
            "location.view",
            "location.manage",
            "profile.view",
            "profile.edit_own",
            "profile.manage",
            "credential.verify",
            "client.view",
            "client.edit",
            "client.erase",
            "clinical.view",
            "clinical.edit",
            "audit.view",
            "token.manage",
            "schedule.view",
            "schedule.edit",
            "service.view",
            "service.manage",
            "availability.manage",
            "availability.edit_own",
            "outcome.view",
            "outcome.edit",
            "outcome.manage",
            "outcome.report",
            "data.export",
            "billing.view",
            "billing.edit",
            "billing.manage",
        }
    ),
    Role.PRACTITIONER: frozenset(
        {
            "clinic.view",
            "staff.view",
            "location.view",
            "profile.view",
            "profile.edit_own",
            "client.view",
            "client.edit",
            "clinical.view",
            "clinical.edit",
            "token.manage",
            "schedule.view",
            "schedule.edit",
            "service.view",
            "availability.edit_own",
            "outcome.view",
            "outcome.edit",
            "billing.view",
        }
    ),
    Role.FRONT_DESK: frozenset(
        {
            "clinic.view",
            "staff.view",
            "location.view",
            "profile.view",
            "client.view",
            "client.edit",
            "token.manage",
            "schedule.view",
            "schedule.edit",
            "service.view",
            "billing.view",
            "billing.edit",
        }
    ),
}


def role_allows(role: str, action: str) -> bool:
    """Whether ``role`` may perform ``action`` (e.g. ``"clinical.view"``)."""
    return action in PERMISSIONS.get(role, frozenset())
