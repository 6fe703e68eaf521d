"""Reads of the import pages: an owner's uploads and runs, scoped to their clinic."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.access.scoping import get_scoped_or_404
from sacrum.imports.models import ImportRun, ImportUpload
from sacrum.kernel.actor import StaffActor

RECENT = 20


def recent_runs(actor: StaffActor) -> QuerySet[ImportRun]:
    return ImportRun.objects.for_member(actor.member, "manage").select_related("started_by")[
        :RECENT
    ]


def upload_for(actor: StaffActor, upload_id: uuid.UUID) -> ImportUpload:
    upload: ImportUpload = get_scoped_or_404(
        ImportUpload.objects.for_member(actor.member, "manage"), pk=upload_id
    )
    return upload


def run_for(actor: StaffActor, run_id: uuid.UUID) -> ImportRun:
    """One run and its report (the report names rows of client data: an audited read)."""
    run: ImportRun = get_scoped_or_404(
        ImportRun.objects.for_member(actor.member, "manage").select_related("upload", "started_by"),
        pk=run_id,
    )
    audit.record(actor, AuditAction.READ, run)
    return run
