"""``sacrum backup [FILE]``: the whole database and the uploaded files, while Sacrum runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sacrum.backups import crypto
from sacrum.backups.models import RunState, RunTrigger
from sacrum.backups.services import default_name, run_backup


class Command(BaseCommand):
    help = (
        "Back up the whole database (a consistent snapshot, while Sacrum keeps running) and "
        "the uploaded files into one file. Encrypted when SACRUM_BACKUP_KEY is set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            help="Where to write the backup (default: a dated file in SACRUM_BACKUP_DIR).",
        )
        parser.add_argument(
            "--new-key",
            action="store_true",
            help="Print a new random key for SACRUM_BACKUP_KEY and do nothing else.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(crypto.new_key())
            return
        key = crypto.configured_key()
        now = timezone.now()
        path = Path(options["file"] or Path(settings.BACKUP_DIR) / default_name(now, key))
        run = run_backup(trigger=RunTrigger.COMMAND, now=now, path=path, progress=self.stdout.write)
        if run.state != RunState.OK:
            raise CommandError(f"The backup failed: {run.error}")
        state = "encrypted" if key else "NOT encrypted (set SACRUM_BACKUP_KEY to encrypt)"
        self.stdout.write(
            self.style.SUCCESS(f"Backup written to {path} ({run.size_bytes} bytes, {state}).")
        )
