"""Running one export job in the worker: write the files, pack them, mark it done.

The job's files are written to ``<data folder>/exports/<job id>/files/`` and packed into
one zip beside them; the loose files are then removed, so a finished export takes the
zip's space only. Progress is saved after every chunk; a cancelled job stops at the
next chunk and leaves nothing on disk.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import pathlib
import shutil
import zipfile

from django.db import transaction
from django.utils import timezone

from sacrum.exports.fhir.bulk import write_fhir
from sacrum.exports.formats import Writer, writer_for
from sacrum.exports.models import ExportFile, ExportJob, JobStatus
from sacrum.exports.storage import archive_of, folder_of

log = logging.getLogger(__name__)

EXPIRES_AFTER = dt.timedelta(hours=72)


class Cancelled(Exception):
    """Raised from the progress callback when the owner cancelled the running export."""


def _writer(job: ExportJob) -> Writer:
    if job.format == "fhir" and (job.resource_types or job.since):
        return functools.partial(write_fhir, types=job.resource_types or None, since=job.since)
    return writer_for(job.format)


def _pack(job: ExportJob, paths: list[pathlib.Path]) -> list[ExportFile]:
    """Zip the written files (their names at the top level) and describe each one."""
    files = []
    with zipfile.ZipFile(archive_of(job), "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in paths:
            digest = hashlib.sha256()
            lines = 0
            with path.open("rb") as handle:
                for block in iter(functools.partial(handle.read, 1 << 20), b""):
                    digest.update(block)
                    lines += block.count(b"\n")
            bundle.write(path, arcname=path.name)
            kind = path.stem if path.suffix == ".ndjson" else ""
            files.append(
                ExportFile(
                    job=job,
                    name=path.name,
                    resource_type=kind,
                    count=lines if kind else 0,
                    size=path.stat().st_size,
                    sha256=digest.hexdigest(),
                )
            )
            path.unlink()
    return files


def run_export(job_id: str) -> str:
    """Run one queued export to the end; returns its final status. Called by the worker."""
    started = ExportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not started:
        return "skipped"
    job = ExportJob.objects.select_related("clinic").get(pk=job_id)
    folder = folder_of(job)
    shutil.rmtree(folder, ignore_errors=True)
    work = folder / "files"
    work.mkdir(parents=True)

    def progress(done: int, total: int) -> None:
        still = ExportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            done_count=done, total_count=total
        )
        if not still:
            raise Cancelled

    try:
        paths = _writer(job)(job.clinic, work, progress)
        files = _pack(job, paths)
    except Cancelled:
        shutil.rmtree(folder, ignore_errors=True)
        return JobStatus.CANCELLED
    except Exception:
        # The message names the job only: an exception's text might quote a record.
        log.exception("export failed", extra={"export": str(job.pk)})
        shutil.rmtree(folder, ignore_errors=True)
        ExportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error="The export stopped with an error; the server log names the job.",
        )
        return JobStatus.FAILED
    shutil.rmtree(work, ignore_errors=True)
    now = timezone.now()
    with transaction.atomic():
        finished = ExportJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.DONE, finished_at=now, expires_at=now + EXPIRES_AFTER
        )
        if finished:
            ExportFile.objects.bulk_create(files)
    if not finished:  # cancelled while packing
        shutil.rmtree(folder, ignore_errors=True)
        return JobStatus.CANCELLED
    return JobStatus.DONE
