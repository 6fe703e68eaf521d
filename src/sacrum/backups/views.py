"""The owners' backup page: is there a recent good backup of this server, and what failed."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render

from sacrum.backups import selectors
from sacrum.kernel.pages import member_required
from sacrum.kernel.requests import MemberRequest


@member_required("clinic.manage")
def backup_status(request: MemberRequest) -> HttpResponse:
    """Server-wide (every clinic on this server is in each backup), shown to owners."""
    return render(
        request,
        "backups/status.html",
        {"status": selectors.status(), "folder": settings.BACKUP_DIR},
    )
