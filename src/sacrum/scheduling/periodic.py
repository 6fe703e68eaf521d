"""Scheduling's periodic clean-up: online booking keeps nothing it no longer needs.

Unconfirmed online requests (a name, an address, a date of birth) are deleted a day
after their link expired; expired or revoked manage links after 30 days; calendar
files written for e-mails after 7 days (the worker has long sent them). Deleting is
idempotent, so two workers running the same minute do no harm.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Q

from sacrum.scheduling.models import ManageLink, OnlineRequest
from sacrum.scheduling.services.online import ICS_FOLDER

REQUEST_KEEP = dt.timedelta(days=1)
LINK_KEEP = dt.timedelta(days=30)
ICS_KEEP = dt.timedelta(days=7)


def _old_calendar_files(now: dt.datetime) -> int:
    try:
        _dirs, files = default_storage.listdir(ICS_FOLDER)
    except FileNotFoundError:  # nothing written yet
        return 0
    removed = 0
    for name in files:
        path = f"{ICS_FOLDER}/{name}"
        try:
            if now - default_storage.get_created_time(path) > ICS_KEEP:
                default_storage.delete(path)
                removed += 1
        except FileNotFoundError:  # another worker removed it first
            continue
    return removed


def tick(now: dt.datetime) -> dict[str, Any]:
    requests, _ = OnlineRequest.objects.filter(expires_at__lt=now - REQUEST_KEEP).delete()
    stale = Q(expires_at__lt=now - LINK_KEEP) | Q(revoked_at__lt=now - LINK_KEEP)
    manage, _ = ManageLink.objects.filter(stale).delete()
    return {
        "online_requests_deleted": requests,
        "manage_links_deleted": manage,
        "calendar_files_deleted": _old_calendar_files(now),
    }
