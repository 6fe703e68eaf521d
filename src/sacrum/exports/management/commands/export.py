"""`sacrum export --clinic SLUG --format fhir [--output DIR_OR_ZIP]`: a full export now.

Writes the files into a folder (created if missing, must be empty) or, when the output
ends in ``.zip``, into one zip. Shows progress on stderr and prints what it wrote. The
export is in the clinic's audit log (who: the command line; no content).
"""

from __future__ import annotations

import pathlib
import shutil
import sys
import tempfile
import time
import zipfile
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sacrum.access import audit
from sacrum.access.models import AuditAction
from sacrum.clinics.models import Clinic
from sacrum.exports.formats import FORMATS
from sacrum.kernel.actor import Actor


def _lines(path: pathlib.Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


class Command(BaseCommand):
    help = "Export every record of one clinic (FHIR R4 NDJSON, or another registered format)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", required=True, help="The clinic's slug.")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument(
            "--output",
            help="A folder (created, must be empty) or a file ending in .zip. "
            "Default: sacrum-<clinic>-<format>-<date>.zip in the current folder.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(slug=options["clinic"]).first()
        if clinic is None:
            raise CommandError(f"No clinic with the slug {options['clinic']!r}.")
        name = options["format"]
        output = pathlib.Path(
            options["output"] or f"sacrum-{clinic.slug}-{name}-{timezone.localdate():%Y-%m-%d}.zip"
        )
        as_zip = output.suffix.lower() == ".zip"
        if as_zip and output.exists():
            raise CommandError(f"{output} exists already; choose another name.")
        if not as_zip and output.exists() and any(output.iterdir()):
            raise CommandError(f"{output} is not empty; choose an empty or new folder.")

        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            if sys.stderr.isatty() or done == total:
                self.stderr.write(f"\r  {done} of {total} records", ending="")

        with tempfile.TemporaryDirectory(prefix="sacrum-export-") as scratch:
            work = pathlib.Path(scratch)
            files = FORMATS[name](clinic, work, progress)
            self.stderr.write("")
            lines = {p.name: _lines(p) for p in files}
            if as_zip:
                output.parent.mkdir(parents=True, exist_ok=True)
                with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
                    for path in files:
                        bundle.write(path, arcname=path.name)
            else:
                output.mkdir(parents=True, exist_ok=True)
                for path in files:
                    shutil.move(str(path), output / path.name)
        audit.record(
            Actor.system(via="cli"),
            AuditAction.EXPORT,
            clinic,
            object_type="clinic_export",
            clinic=clinic,
        )
        for file_name, count in lines.items():
            self.stdout.write(f"  {file_name}: {count} lines")
        self.stdout.write(
            f"Exported {clinic.name} as {name}: {len(files)} files to {output} "
            f"in {time.monotonic() - started:.1f} s."
        )
