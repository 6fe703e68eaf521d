"""``sacrum verify_notes``: re-hash every signed session note and addendum; exit 1 on a mismatch."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sacrum.charting import services
from sacrum.clinics.models import Clinic


class Command(BaseCommand):
    help = (
        "Re-compute the SHA-256 of every signed session note and addendum and report "
        "any that no longer match what was stored at signing. Exit status 1 on a mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clinic", help="Only this clinic (its slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic_id = None
        if options.get("clinic"):
            clinic = Clinic.objects.filter(slug=options["clinic"]).first()
            if clinic is None:
                raise CommandError(f"No clinic with the slug {options['clinic']!r}.")
            clinic_id = clinic.pk
        report = services.verify(clinic_id=clinic_id)
        for mismatch in report.mismatches:
            self.stderr.write(f"MISMATCH {mismatch.describe()}")
        summary = (
            f"Checked {report.notes} signed notes and {report.addenda} addenda: "
            f"{len(report.mismatches)} mismatches."
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS(summary))
            return
        raise CommandError(summary, returncode=1)
