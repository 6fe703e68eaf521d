"""Where an export's files live: ``<data folder>/exports/<job id>/``."""

from __future__ import annotations

import pathlib

from django.conf import settings

from sacrum.exports.models import ExportJob

ARCHIVE = "export.zip"


def folder_of(job: ExportJob) -> pathlib.Path:
    return pathlib.Path(settings.DATA_DIR) / "exports" / str(job.pk)


def archive_of(job: ExportJob) -> pathlib.Path:
    return folder_of(job) / ARCHIVE
