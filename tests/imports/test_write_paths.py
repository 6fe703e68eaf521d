"""The two ways an import writes give the same result: batches written on a second
connection while the next ones are read (the worker's and the command's way) and
batches written in turn on the reading connection (inside a transaction: a page's small
file, the API). Same report, same records, to the row."""

from __future__ import annotations

from typing import Any

import pytest

from sacrum.access.roles import Role
from sacrum.charting.models import ImportedNote
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Location
from sacrum.clinics.services import create_clinic
from sacrum.imports import engine, services
from sacrum.imports.layouts import LAYOUTS
from sacrum.imports.models import ImportedRecord
from sacrum.scheduling.models import Appointment, ServiceType
from tests.conftest import add_member, make_user
from tests.imports.helpers import DATA

pytestmark = pytest.mark.django_db(transaction=True)

FILES = [
    "jane_patients.csv",
    "jane_appointments.csv",
    "cliniko_patients.csv",
    "cliniko_appointments.csv",
    "generic_clients.csv",
    "generic_notes.csv",
    "fhir_bundle.json",
    "jane_patients.csv",  # again: nothing new
    "jane_appointments.csv",
]


def a_clinic(name: str) -> Clinic:
    owner = make_user(f"owner@{name}.test", "Olivia Owner")
    clinic = create_clinic(name=name, time_zone="Europe/London", owner=owner)
    add_member(clinic, f"pat@{name}.test", Role.PRACTITIONER, "Pat Practitioner")
    Location.objects.create(clinic=clinic, name="Harbour Street", time_zone="Europe/London")
    ServiceType.objects.create(
        clinic=clinic, name="Craniosacral session", duration_minutes=60, buffer_after_minutes=10
    )
    return clinic


def import_all(clinic: Clinic, *, background: bool) -> list[dict[str, Any]]:
    reports = []
    for name in FILES:
        kind, layout, _columns, mapping = services.describe_file(DATA / name)
        chosen = LAYOUTS.get(layout)
        report = services.import_path(
            clinic=clinic,
            path=DATA / name,
            kind=kind,
            mapping=mapping,
            source_system=chosen.label.split(" (")[0] if chosen else "FHIR",
            date_order=chosen.date_order if chosen else "ymd",
            dry_run=False,
            background=background,
        )
        reports.append(
            {
                "file": name,
                "created": dict(report.created),
                "skipped": report.skipped,
                "conflicts": report.conflicts,
                "errors": report.errors,
                "problems": sorted((p.row, p.outcome, p.message) for p in report.problems),
                "preview": report.preview,
            }
        )
    return reports


def records(clinic: Clinic) -> dict[str, list[tuple[Any, ...]]]:
    """What the clinic holds, without its own ids."""
    return {
        "clients": sorted(
            Client.objects.filter(clinic=clinic).values_list(
                "first_name", "last_name", "preferred_name", "date_of_birth", "email", "address"
            )
        ),
        "appointments": sorted(
            Appointment.objects.filter(clinic=clinic).values_list(
                "client__last_name", "start", "end", "blocked_end", "status", "cancelled_at"
            )
        ),
        "notes": sorted(
            ImportedNote.objects.filter(clinic=clinic).values_list(
                "client__last_name", "session_date", "source_id", "content_hash"
            )
        ),
        "links": sorted(
            ImportedRecord.objects.filter(clinic=clinic).values_list(
                "source_system", "kind", "source_id"
            )
        ),
    }


def test_both_write_paths_give_the_same_report_and_records(monkeypatch: Any) -> None:
    # Batches of two rows: many batches, each depending on the clients of earlier ones.
    monkeypatch.setattr(engine, "BATCH", 2)
    writers: list[engine.BackgroundWriter] = []

    class Counted(engine.BackgroundWriter):
        def submit(self, units: list[engine.Unit], done: int) -> None:
            writers.append(self)
            super().submit(units, done)

    monkeypatch.setattr(engine, "BackgroundWriter", Counted)
    threaded, in_turn = a_clinic("Threaded"), a_clinic("InTurn")
    by_thread = import_all(threaded, background=True)
    assert len(writers) >= 10  # the batches did go through the writer thread
    writers.clear()
    assert by_thread == import_all(in_turn, background=False)
    assert not writers
    found = records(threaded)
    assert found == records(in_turn)
    assert len(found["clients"]) >= 8
    assert len(found["appointments"]) >= 7
    assert len(found["notes"]) == 2
