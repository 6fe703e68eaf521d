"""`sacrum import FILE --clinic SLUG`: import clients, appointments or notes from another
system's CSV export, or FHIR R4 Patients and Appointments; `--dry-run` first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sacrum.access.roles import Role
from sacrum.clinics.models import Clinic, Membership
from sacrum.imports import services
from sacrum.imports.layouts import FIELDS, LAYOUTS
from sacrum.imports.models import Kind
from sacrum.imports.sources import UnreadableFile
from sacrum.imports.values import DATE_ORDERS
from sacrum.kernel.actor import Actor

SHOWN = 50


class Command(BaseCommand):
    help = "Import clients, appointments or notes (CSV) or FHIR R4 Patients and Appointments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--clinic", required=True, help="The clinic's slug")
        parser.add_argument("--owner", help="The owner's e-mail (default: the first owner)")
        parser.add_argument("--kind", choices=[k.value for k in Kind], help="Default: detected")
        parser.add_argument("--layout", choices=list(LAYOUTS), help="Default: detected")
        parser.add_argument("--system", default="", help="Name of the old system, e.g. Jane")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="Read FIELD from COLUMN (repeat; COLUMN+COLUMN joins two, e.g. a date and a time)",
        )
        parser.add_argument("--mapping", type=Path, help="A JSON file {field: column}")
        parser.add_argument("--dates", choices=list(DATE_ORDERS), help="How the file writes dates")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write nothing")

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}")
        clinic = Clinic.objects.filter(slug=opts["clinic"]).first()
        if clinic is None:
            raise CommandError(f"No clinic with the slug {opts['clinic']!r}")
        owners = Membership.objects.filter(clinic=clinic, role=Role.OWNER, active=True)
        if opts["owner"]:
            owners = owners.filter(user__email__iexact=opts["owner"])
        owner = owners.select_related("user", "clinic").order_by("joined_at").first()
        if owner is None:
            raise CommandError("No such owner of this clinic")
        try:
            kind, layout, columns, mapping = services.describe_file(path, opts["kind"])
        except UnreadableFile as exc:
            raise CommandError(str(exc)) from None
        if opts["layout"] and kind != Kind.FHIR:
            layout = opts["layout"]
            mapping = services.layout_mapping(layout, kind, columns)
        if opts["mapping"]:
            mapping = json.loads(opts["mapping"].read_text(encoding="utf-8"))
        for item in opts["map"]:
            field, sep, column = item.partition("=")
            if not sep:
                raise CommandError(f"--map takes FIELD=COLUMN, not {item!r}")
            mapping[field.strip()] = (
                [c.strip() for c in column.split("+")] if "+" in column else column.strip()
            )
        chosen = LAYOUTS.get(layout)
        system = opts["system"] or (
            chosen.label.split(" (")[0]
            if chosen
            else "FHIR"
            if kind == Kind.FHIR
            else "Other system"
        )
        dates = opts["dates"] or (chosen.date_order if chosen else "ymd")
        self.stdout.write(
            f"{path.name}: {kind}, layout {layout or 'mapped by hand'}, from {system}, dates {dates}"
        )
        if kind != Kind.FHIR:
            for field, column in mapping.items():
                self.stdout.write(f"  {FIELDS[kind].get(field, field)} <- {column}")
        total = 0

        def progress(done: int) -> None:
            self.stdout.write(f"  {done:,} rows read", ending="\r")
            self.stdout.flush()

        try:
            run = services.import_for_command(
                actor=Actor.system(owner),
                path=path,
                kind=kind,
                mapping=mapping,
                source_system=system,
                date_order=dates,
                dry_run=opts["dry_run"],
                progress=progress,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        except UnreadableFile as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("")
        if run.failure:
            raise CommandError(run.failure)
        verb = "Would create" if run.dry_run else "Created"
        made = ", ".join(f"{n} {k}s" for k, n in sorted(run.created_by_kind.items())) or "nothing"
        total = run.rows_done
        self.stdout.write(
            f"{'Dry run' if run.dry_run else 'Import'}: {total:,} rows; {verb.lower()} {made}; "
            f"{run.skipped} skipped, {run.conflicts} conflicting, {run.errors} with errors."
        )
        where = "entry" if kind == Kind.FHIR else "row"
        for problem in run.problems[:SHOWN]:
            self.stdout.write(
                f"  {where} {problem['row']}: {problem['outcome']}: {problem['message']}"
            )
        more = run.skipped + run.conflicts + run.errors - min(SHOWN, len(run.problems))
        if more > 0:
            self.stdout.write(f"  … and {more} more; the whole report is on the Import page.")
        self.stdout.write(f"Report kept as import run {run.pk}.")
