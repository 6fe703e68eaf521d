"""`sacrum import`: detection, manual mapping, dry run, the printed report."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from sacrum.clients.models import Client
from sacrum.imports.models import ImportRun
from tests.conftest import Persona
from tests.imports.helpers import DATA

pytestmark = pytest.mark.django_db


def sacrum_import(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out)
    return out.getvalue()


def test_dry_run_then_import_from_the_command_line(ready: Persona) -> None:
    slug = ready.clinic.slug
    printed = sacrum_import(str(DATA / "cliniko_patients.csv"), "--clinic", slug, "--dry-run")
    assert "cliniko_patients.csv: clients, layout cliniko, from Cliniko, dates dmy" in printed
    assert (
        "Dry run: 3 rows; would create 2 clients; 0 skipped, 0 conflicting, 1 with errors."
        in printed
    )
    assert "row 4: error: date of birth '31/02/1980' is not a date" in printed
    assert not Client.objects.filter(clinic=ready.clinic).exists()
    printed = sacrum_import(str(DATA / "cliniko_patients.csv"), "--clinic", slug)
    assert "Import: 3 rows; created 2 clients;" in printed
    assert Client.objects.filter(clinic=ready.clinic).count() == 2
    assert ImportRun.objects.filter(clinic=ready.clinic, dry_run=False).count() == 1


def test_a_mapping_given_as_options(ready: Persona) -> None:
    printed = sacrum_import(
        str(DATA / "unknown_layout.csv"),
        "--clinic",
        ready.clinic.slug,
        "--kind",
        "clients",
        "--system",
        "Agenda",
        "--map",
        "first_name=Prénom",
        "--map",
        "last_name=Nom",
        "--map",
        "date_of_birth=Naissance",
    )
    assert "created 2 clients" in printed


def test_a_missing_column_is_refused_before_anything_runs(ready: Persona) -> None:
    with pytest.raises(CommandError, match="Choose a column for: first name, date of birth"):
        sacrum_import(
            str(DATA / "unknown_layout.csv"),
            "--clinic",
            ready.clinic.slug,
            "--kind",
            "clients",
            "--map",
            "last_name=Nom",
        )
    assert not ImportRun.objects.exists()
