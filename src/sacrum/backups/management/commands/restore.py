"""``sacrum restore FILE``: a backup into an empty database and an empty uploads folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sacrum.backups import crypto
from sacrum.backups.errors import BackupError
from sacrum.backups.load import restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `sacrum backup` into an empty database (SQLite or "
        "PostgreSQL, whichever DATABASE_URL names) and an empty data folder. Checks every "
        "checksum first, and every signed note's seal at the end."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete everything in this database and its uploads folder, then restore.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = restore(
                Path(options["file"]),
                key=crypto.configured_key(),
                replace=options["replace"],
                progress=self.stdout.write,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary.verify_report)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {summary.tables} tables ({summary.rows} rows) and {summary.files} files."
            )
        )
