"""The two capability links of online booking, on ``sacrum.access.capabilities``.

Both tokens are signed with a timestamp (a salt per purpose), so a tampered, foreign
or too-old token is refused before the database is asked; the database keeps only the
SHA-256 of the random part, with its own expiry and revocation. The worker mints them
when it sends the e-mail, so a copy of the database or of the job queue opens nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db import models

from sacrum.kernel import capabilities

M = TypeVar("M", bound=models.Model)

REQUEST = "request"  # confirm an online booking (new or returning client)
MANAGE = "manage"  # reschedule or cancel one appointment


def signed_as(purpose: str) -> str:
    """The signature's salt; unchanged since the first release, so sent links keep working."""
    return f"sacrum.scheduling.{purpose}"


def find(queryset: models.QuerySet[M], token: str, purpose: str, max_age: dt.timedelta) -> M | None:
    """The row a link's token opens, or ``None`` (tampered, foreign, too old, unknown)."""
    return capabilities.find(queryset, token, signed_as=signed_as(purpose), max_age=max_age)


def reissue(queryset: models.QuerySet[Any], pk: Any, purpose: str) -> str | None:
    """The token for the e-mail about to be sent (replacing any earlier one), or ``None``."""
    return capabilities.reissue(queryset, pk, signed_as=signed_as(purpose))
