"""Factories for the waitlist's id names, used by the cross-cutting route tests.

``tests/access/objects.py`` lists them in its FACTORIES so every ``{waitlist_entry_id}``
route and page is walked by the permission matrix and the bad-input tests.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from sacrum.waitlist import services

if TYPE_CHECKING:
    from tests.access.objects import Stillwater


def entry(w: Stillwater) -> Any:
    today = timezone.localdate()
    return services.add_entry(
        actor=w.owner.actor,
        wish=services.Wish(
            client=w.object("client_id"),  # type: ignore[arg-type]
            service=w.object("service_id"),  # type: ignore[arg-type]
            location=w.object("location_id"),  # type: ignore[arg-type]
            earliest_date=today + dt.timedelta(days=7),
            latest_date=today + dt.timedelta(days=35),
            weekdays=(0, 1, 2, 3, 4),
        ),
    )


FACTORIES = {"waitlist_entry_id": entry}
