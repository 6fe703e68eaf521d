"""Importing each known layout's CSV: what is created, skipped, refused and why."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.utils import timezone

from sacrum.charting.models import ImportedNote, SessionNote
from sacrum.clients.models import Client
from sacrum.imports.layouts import detect
from sacrum.imports.models import ImportedRecord, RunStatus
from sacrum.imports.sources import read_header
from sacrum.scheduling.models import Appointment
from tests.conftest import Persona
from tests.imports.helpers import DATA, problems, run

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "layout", "kind"),
    [
        ("jane_patients.csv", "jane", "clients"),
        ("jane_appointments.csv", "jane", "appointments"),
        ("cliniko_patients.csv", "cliniko", "clients"),
        ("cliniko_appointments.csv", "cliniko", "appointments"),
        ("simplepractice_clients.csv", "simplepractice", "clients"),
        ("simplepractice_appointments.csv", "simplepractice", "appointments"),
        ("generic_clients.csv", "generic", "clients"),
        ("generic_notes.csv", "generic", "notes"),
    ],
)
def test_the_header_row_names_the_layout(name: str, layout: str, kind: str) -> None:
    found = detect(read_header(DATA / name))
    assert found is not None
    assert (found.layout, found.kind) == (layout, kind)


def test_a_header_of_no_known_layout_asks_for_a_mapping() -> None:
    assert detect(read_header(DATA / "unknown_layout.csv")) is None


def test_jane_patients_import_good_rows_and_report_the_bad_one(ready: Persona) -> None:
    result = run(ready, "jane_patients.csv")
    assert result.status == RunStatus.DONE
    assert result.created_by_kind == {"client": 3}
    assert problems(result) == {
        4: ("error", "date of birth '1992-02-30' is not a date"),
        6: ("skipped", "duplicate of row 3 in this file"),
    }
    toby = Client.objects.get(clinic=ready.clinic, last_name="Wrenfield")
    assert (toby.preferred_name, toby.date_of_birth, toby.email) == (
        "Toby",
        dt.date(1979, 11, 23),
        "toby.w@example.test",
    )
    mira = Client.objects.get(clinic=ready.clinic, last_name="Castellane")
    assert mira.address == "12 Fern Row, Bristol, BS1 4AA"
    assert not Client.objects.filter(last_name="Marlowe").exists()


def test_a_dry_run_writes_nothing_and_says_what_would_happen(ready: Persona) -> None:
    result = run(ready, "jane_patients.csv", dry_run=True)
    assert result.dry_run
    assert result.created_by_kind == {"client": 3}
    assert [p[1] for p in result.preview] == ["client", "client", "client"]
    assert 4 in problems(result)
    assert not Client.objects.filter(clinic=ready.clinic).exists()
    assert not ImportedRecord.objects.exists()


def test_importing_the_same_file_twice_creates_nothing_new(ready: Persona) -> None:
    first = run(ready, "jane_patients.csv")
    run(ready, "jane_appointments.csv")
    clients = Client.objects.filter(clinic=ready.clinic).count()
    appointments = Appointment.objects.filter(clinic=ready.clinic).count()
    again = run(ready, "jane_patients.csv")
    again_appointments = run(ready, "jane_appointments.csv")
    assert first.created == 3
    assert again.created == 0
    assert again_appointments.created == 0
    assert Client.objects.filter(clinic=ready.clinic).count() == clients
    assert Appointment.objects.filter(clinic=ready.clinic).count() == appointments
    assert problems(again)[2] == ("skipped", "already imported (id 1001)")
    assert problems(again_appointments)[2] == ("skipped", "already imported (id J-501)")


def test_a_client_already_in_sacrum_is_matched_by_name_birth_date_and_email(
    ready: Persona,
) -> None:
    Client.objects.create(
        clinic=ready.clinic,
        first_name="Mira",
        last_name="Castellane",
        date_of_birth=dt.date(1984, 6, 2),
        email="mira.castellane@example.test",
    )
    result = run(ready, "jane_patients.csv")
    assert problems(result)[2] == (
        "skipped",
        "a client with the same name, date of birth and e-mail is already in Sacrum",
    )
    assert Client.objects.filter(last_name="Castellane").count() == 1
    # The old system's id now points at the existing client, so appointments find her.
    run(ready, "jane_appointments.csv")
    mira = Client.objects.get(last_name="Castellane")
    assert mira.appointments.count() == 1


def test_jane_appointments_keep_status_and_report_conflicts_and_times(ready: Persona) -> None:
    run(ready, "jane_patients.csv")
    result = run(ready, "jane_appointments.csv")
    found = problems(result)
    assert found[5] == (
        "conflict",
        "the client is already booked at that time (by row 2 of this file); not imported",
    )
    assert found[6] == (
        "error",
        "practitioner 'Dr Nobody' is not a practitioner of this clinic (add them under Staff, or correct the name)",
    )
    assert found[8][0] == "error"
    assert "happened twice in Europe/London" in found[8][1]
    assert found[10][0] == "error"
    assert "does not exist in Europe/London" in found[10][1]
    by_status = {
        a.client.last_name + a.start.isoformat(): a.status
        for a in Appointment.objects.filter(clinic=ready.clinic).select_related("client")
    }
    assert by_status["Castellane2026-03-02T09:00:00+00:00"] == "arrived"
    assert by_status["Wrenfield2026-03-02T10:30:00+00:00"] == "no_show"
    assert by_status["Oduya2026-03-03T14:00:00+00:00"] == "cancelled"
    # An empty status: booked if it lies ahead, attended if it is over.
    summer = dt.datetime(2026, 7, 14, 8, 0, tzinfo=dt.UTC)  # 09:00 British summer time
    expected = "booked" if summer > timezone.now() else "completed"
    assert by_status["Oduya" + summer.isoformat()] == expected
    cancelled = Appointment.objects.get(status="cancelled")
    assert cancelled.cancelled_at is not None
    assert result.created_by_kind == {"appointment": 5, "client": 1}


def test_a_row_that_fails_writes_neither_its_client_nor_its_appointment(ready: Persona) -> None:
    run(ready, "jane_patients.csv")
    run(ready, "jane_appointments.csv")
    # Row 6 (Rosa with an unknown practitioner) failed; row 7 (Rosa with Pat) made her once.
    rosa = Client.objects.get(clinic=ready.clinic, last_name="Lindqvist")
    assert [a.start.date() for a in rosa.appointments.all()] == [dt.date(2026, 3, 5)]


def test_a_file_of_one_bad_row_leaves_no_client_behind(ready: Persona, tmp_path: Any) -> None:
    lines = (DATA / "jane_appointments.csv").read_text().splitlines()
    bad = tmp_path / "one.csv"
    bad.write_text("\n".join([lines[0], lines[5]]) + "\n")
    result = run(ready, str(bad))
    assert result.errors == 1
    assert not Client.objects.filter(last_name="Lindqvist").exists()
    assert not Appointment.objects.exists()


def test_cliniko_dates_are_day_first_and_flags_give_the_status(ready: Persona) -> None:
    clients = run(ready, "cliniko_patients.csv")
    assert problems(clients) == {4: ("error", "date of birth '31/02/1980' is not a date")}
    assert Client.objects.get(last_name="Banfield").date_of_birth == dt.date(1975, 4, 3)
    result = run(ready, "cliniko_appointments.csv")
    statuses = dict(Appointment.objects.filter(clinic=ready.clinic).values_list("start", "status"))
    assert statuses[dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)] == "completed"
    assert statuses[dt.datetime(2026, 3, 2, 11, tzinfo=dt.UTC)] == "cancelled"
    assert statuses[dt.datetime(2026, 3, 3, 11, tzinfo=dt.UTC)] == "no_show"
    assert problems(result) == {
        5: (
            "error",
            "client id '88003' is not among the imported clients (import the clients file first)",
        )
    }
    late = Appointment.objects.get(status="cancelled")
    assert late.cancelled_at == dt.datetime(2026, 3, 1, 18, tzinfo=dt.UTC)


def test_simplepractice_dates_are_month_first_and_times_twelve_hour(ready: Persona) -> None:
    run(ready, "simplepractice_clients.csv")
    lola = Client.objects.get(last_name="Vantongeren")
    assert (lola.preferred_name, lola.date_of_birth) == ("Lola", dt.date(1958, 7, 19))
    result = run(ready, "simplepractice_appointments.csv")
    assert result.created == 2
    shown = Appointment.objects.get(client=lola)
    assert (shown.start, shown.end, shown.status) == (
        dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC),
        "completed",
    )
    assert Appointment.objects.get(client__last_name="Okonjo").status == "cancelled"


def test_notes_come_in_as_imported_documents_never_as_sacrum_notes(ready: Persona) -> None:
    run(ready, "generic_clients.csv")
    result = run(ready, "generic_notes.csv")
    assert result.created_by_kind == {"note": 2}
    assert problems(result) == {
        # Row numbers are spreadsheet rows: the first note's two lines are one row.
        4: (
            "error",
            "client id 'g-9' is not among the imported clients (import the clients file first)",
        ),
        5: ("error", "the session date is empty"),
    }
    first = ImportedNote.objects.get(source_id="n-1")
    assert first.author_name == "Dr Alma Reyes (former clinic)"
    assert first.source_system == "Generic"
    assert first.text.startswith("Client reports tension headaches")
    assert first.content_hash == hashlib.sha256(first.text.encode()).hexdigest()
    assert not SessionNote.objects.exists()
    again = run(ready, "generic_notes.csv")
    assert again.created == 0
    assert ImportedNote.objects.count() == 2


def test_a_manual_mapping_reads_a_file_of_any_layout(ready: Persona) -> None:
    mapping = {
        "last_name": "Nom",
        "first_name": "Prénom",
        "date_of_birth": "Naissance",
        "email": "Courriel",
    }
    result = run(
        ready, "unknown_layout.csv", kind="clients", mapping=mapping, source_system="Agenda"
    )
    assert result.created == 2
    assert Client.objects.get(last_name="Dubois").email == "camille.d@example.test"
