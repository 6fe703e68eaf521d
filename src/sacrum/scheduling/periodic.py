"""Scheduling's periodic clean-up: online booking keeps nothing it no longer needs.

Online holds not confirmed in time are cancelled (the time is free again; the
availability engine already ignores them from the moment they lapse). Unconfirmed online
requests (a name, an address, a date of birth) are deleted a day after their link
expired, with the client record made for a new client who never confirmed; expired or revoked manage links after 30 days; calendar
files written for e-mails after 7 days (the worker has long sent them). Deleting is
idempotent, so two workers running the same minute do no harm.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet

from sacrum.clients.models import Client
from sacrum.scheduling.models import Appointment, AppointmentStatus, ManageLink, OnlineRequest
from sacrum.scheduling.services.booking import release_lapsed_holds
from sacrum.scheduling.services.online import ICS_FOLDER, REQUEST_KEEP

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


def _forget_unconfirmed_clients(stale: QuerySet[OnlineRequest]) -> int:
    """Client records made for holds never confirmed: gone with their lapsed holds.

    Only when nothing else refers to them (no other appointment, no confirmed request).
    """
    forgotten = 0
    for client_id in stale.filter(used_at__isnull=True, created_client__isnull=False).values_list(
        "created_client_id", flat=True
    ):
        others = Appointment.objects.filter(client_id=client_id).exclude(
            status=AppointmentStatus.CANCELLED, hold_expires_at__isnull=False
        )
        if (
            others.exists()
            or OnlineRequest.objects.filter(
                created_client_id=client_id, used_at__isnull=False
            ).exists()
        ):
            continue
        try:
            with transaction.atomic():
                Appointment.objects.filter(client_id=client_id).delete()
                forgotten += (
                    Client.objects.filter(pk=client_id).delete()[1].get("clients.Client", 0)
                )
        except ProtectedError:  # something else was recorded for them meanwhile: keep
            continue
    return forgotten


def tick(now: dt.datetime) -> dict[str, Any]:
    holds = release_lapsed_holds()
    stale_requests = OnlineRequest.objects.filter(expires_at__lt=now - REQUEST_KEEP)
    clients = _forget_unconfirmed_clients(stale_requests)
    requests, _ = stale_requests.delete()
    stale = Q(expires_at__lt=now - LINK_KEEP) | Q(revoked_at__lt=now - LINK_KEEP)
    manage, _ = ManageLink.objects.filter(stale).delete()
    return {
        "online_holds_released": holds,
        "unconfirmed_clients_deleted": clients,
        "online_requests_deleted": requests,
        "manage_links_deleted": manage,
        "calendar_files_deleted": _old_calendar_files(now),
    }
