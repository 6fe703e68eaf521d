"""``sacrum verify_notes``: check every signed note and addendum; exit 1 on any problem.

Three checks: each note and addendum still hashes to what was stored at signing; each
stored hash carries a seal made with the server's key (current or a fallback), so a
hash recomputed by someone with only the database is caught; and every note the
append-only audit log says was signed (and every addendum it says was added) is
still there.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sacrum.charting import services
from sacrum.charting.signing import CURRENT_KEY
from sacrum.clinics.models import Clinic


class Command(BaseCommand):
    help = (
        "Re-hash every signed session note and addendum, check each hash's keyed seal, "
        "and check that every note the audit log records as signed (and every addendum "
        "it records) is still in the database. Lists each problem by note and clinic; "
        "exit status 1 if there is any."
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
        slugs = {
            str(pk): slug
            for pk, slug in Clinic.objects.filter(
                pk__in={m.clinic_id for m in report.mismatches if m.clinic_id}
            ).values_list("pk", "slug")
        }
        scope = f"clinic {options['clinic']}" if clinic_id else "all clinics"
        self.stdout.write(
            f"Checked {report.notes} signed notes and {report.addenda} addenda of {scope}: "
            "content against the hash stored at signing, and each hash's keyed seal."
        )
        self.stdout.write(
            f"Checked {report.sign_entries} 'sign' and {report.addendum_entries} addendum "
            "entries of the audit log against the notes and addenda still stored."
        )
        if report.keys:
            used = ", ".join(f"{count} by {name}" for name, count in report.keys)
            self.stdout.write(f"Valid seals: {used}.")
            if any(name != CURRENT_KEY for name, _ in report.keys):
                self.stdout.write(
                    "Some seals were made with an older key: keep it in "
                    "SACRUM_SECRET_KEY_FALLBACKS, or those notes can no longer be verified."
                )
        if report.unaudited_notes:
            self.stdout.write(
                f"{report.unaudited_notes} signed notes have no 'sign' entry in the audit log "
                "(signed before the audit log recorded it, or imported); their seals were checked."
            )
        for mismatch in report.mismatches:
            where = slugs.get(mismatch.clinic_id, mismatch.clinic_id or "unknown")
            self.stderr.write(f"PROBLEM [clinic {where}] {mismatch.describe()}")
        problems = len(report.mismatches)
        summary = f"{problems} problem{'' if problems == 1 else 's'} found."
        if report.ok:
            self.stdout.write(self.style.SUCCESS(summary))
            return
        raise CommandError(summary, returncode=1)
