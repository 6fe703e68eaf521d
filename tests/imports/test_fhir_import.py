"""FHIR R4 Patients and Appointments, from a Bundle or NDJSON, validated with R4B models."""

from __future__ import annotations

import datetime as dt

import pytest

from sacrum.clients.models import Client
from sacrum.scheduling.models import Appointment
from tests.conftest import Persona
from tests.imports.helpers import problems, run

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["fhir_bundle.json", "fhir_patients.ndjson"])
def test_fhir_patients_and_appointments(ready: Persona, name: str) -> None:
    result = run(ready, name, source_system="Old FHIR server")
    assert result.kind == "fhir"
    assert result.created_by_kind == {"client": 2, "appointment": 2}
    found = problems(result)
    assert found[3][0] == "error"
    assert found[3][1].startswith("Patient is not valid FHIR R4 (birthDate")
    assert found[6] == (
        "error",
        "client id 'p-404' is not among the imported clients (import the clients file first)",
    )
    greta = Client.objects.get(clinic=ready.clinic, last_name="Thorvaldsen")
    assert (greta.first_name, greta.date_of_birth, greta.email) == (
        "Greta",
        dt.date(1983, 1, 17),
        "greta.t@example.test",
    )
    visit = Appointment.objects.get(client=greta)
    assert (visit.start, visit.status) == (dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC), "completed")
    assert Appointment.objects.get(client__last_name="Mbeki").status == "no_show"


def test_fhir_dry_run_writes_nothing_and_a_rerun_creates_nothing(ready: Persona) -> None:
    dry = run(ready, "fhir_bundle.json", dry_run=True)
    assert dry.created == 4
    assert not Client.objects.filter(clinic=ready.clinic).exists()
    run(ready, "fhir_bundle.json")
    again = run(ready, "fhir_patients.ndjson")
    assert again.created == 0
    assert again.skipped == 4
    assert Appointment.objects.filter(clinic=ready.clinic).count() == 2
