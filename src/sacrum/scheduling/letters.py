"""The "sessions" section of a referral letter, contributed to screening's draft."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from sacrum.clients.models import Client
from sacrum.scheduling.models import Appointment


def _date(value: Any) -> str:
    return f"{value:%d %B %Y}".lstrip("0")


def sessions_text(client: Client) -> str:
    """How many sessions took place, and between which dates."""
    done = Appointment.objects.filter(client=client, status="completed").order_by("start")
    count = done.count()
    if not count:
        return "No craniosacral therapy sessions have taken place yet."
    first, last = done.first(), done.last()
    assert first is not None and last is not None
    span = (
        f"on {_date(timezone.localtime(first.start))}"
        if count == 1
        else f"between {_date(timezone.localtime(first.start))} and {_date(timezone.localtime(last.start))}"
    )
    return f"{count} craniosacral therapy session{'s' if count != 1 else ''} {span}."
