"""Who may sign in without a clinic membership: clients with portal access.

Access sits below the apps that know what a client is, so the portal registers its
check here when Django starts (``PortalConfig.ready``); sign-in and the active-clinic
middleware ask ``is_portal_client`` without importing the portal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sacrum.access.models import User

PortalCheck = Callable[["User"], bool]
_portal_checks: list[PortalCheck] = []


def register_portal_check(check: PortalCheck) -> None:
    """Add a way a user without a membership may still have a page of their own."""
    if check not in _portal_checks:
        _portal_checks.append(check)


def is_portal_client(user: User) -> bool:
    """True when a registered check says this user is a client with portal access."""
    return any(check(user) for check in _portal_checks)
