"""The CSV export of a whole clinic: the demo clinic with signed notes, addenda and plans,
opened as an owner would open the zip — every file parsed, counted against the
database, every column explained in the README, nothing of another clinic, and text
that a spreadsheet would run as a formula neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sacrum.charting import services as charting
from sacrum.charting.models import Addendum, NoteStatus, SessionNote
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Membership
from sacrum.exports import csv_export
from sacrum.exports.csv_columns import KINDS
from sacrum.kernel.actor import StaffActor
from sacrum.outcomes.models import DiaryEntry, Response
from sacrum.plans.models import Plan, PlanGoal
from sacrum.scheduling.models import Appointment
from sacrum.screening.models import Firing, ReferralLetter
from sacrum.web.demo import seed_demo
from tests.conftest import Persona

OUTSIDER_MARK = "Zebedee-Outsider-7731"


def _open(path: Path) -> dict[str, list[dict[str, str]]]:
    """Every CSV in the zip as rows of dicts; checks the BOM and the header on the way."""
    files: dict[str, list[dict[str, str]]] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.endswith(".csv"):
                continue
            raw = archive.read(name)
            assert raw.startswith(b"\xef\xbb\xbf"), name  # UTF-8 with BOM, as documented
            reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
            files[name] = list(reader)
            assert reader.fieldnames, name
            files[name + ":header"] = [{"name": n} for n in reader.fieldnames]
    return files


@pytest.fixture
def demo(db: Any, outsider: Persona) -> Clinic:
    seed_demo(log=lambda _line: None)
    clinic = Clinic.objects.get(slug="stillwater")
    # An addendum on a signed note, by its author.
    note = SessionNote.objects.filter(clinic=clinic, status=NoteStatus.SIGNED).first()
    assert note is not None
    author = StaffActor(user=note.author.user, member=note.author, ip=None, user_agent="pytest")
    charting.add_addendum(actor=author, note=note, text="=Later: the client phoned, all well.")
    # Text a spreadsheet would run, in the clinic's own data.
    Client.objects.create(
        clinic=clinic,
        first_name='=HYPERLINK("http://x.test")',
        last_name="+Plus",
        preferred_name="@SUM(A1)",
        pronouns="-minus",
        address="'=already quoted",
        date_of_birth=dt.date(1990, 1, 2),
    )
    # Another clinic with a client who must never appear.
    Client.objects.create(
        clinic=outsider.clinic,
        first_name=OUTSIDER_MARK,
        last_name="Elsewhere",
        date_of_birth=dt.date(1970, 5, 6),
        email="zebedee@elsewhere.test",
    )
    return clinic


def _export(clinic: Clinic, tmp_path: Path) -> tuple[Path, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []
    written = csv_export.write_csv(
        clinic, tmp_path, lambda done, total: calls.append((done, total))
    )
    assert len(written) == 1
    return written[0], calls


def test_the_demo_clinic_as_csv(
    demo: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One seeding of the demo (it takes a while), every check on its export."""
    path, calls = _export(demo, tmp_path / "out")
    files = _open(path)
    _every_kind_with_database_counts(demo, path, calls, files)
    _another_clinics_data_never_appears(demo, path, files)
    _the_readme_explains_every_column_of_every_file(path, files)
    _formula_injection_is_neutralised_and_numbers_are_left_alone(files)
    _reads_run_in_chunks_with_a_fixed_number_of_queries(demo, tmp_path / "chunks", monkeypatch)


def _every_kind_with_database_counts(
    demo: Clinic, path: Path, calls: list[tuple[int, int]], files: dict[str, list[dict[str, str]]]
) -> None:
    assert re.fullmatch(r"stillwater-csv-\d{4}-\d{2}-\d{2}\.zip", path.name)
    assert {k.file for k in KINDS} <= set(files)

    # The kinds an owner asks for first, counted straight from the database.
    expected = {
        "clients.csv": Client.objects.filter(clinic=demo).count(),
        "appointments.csv": Appointment.objects.filter(clinic=demo).count(),
        "session_notes.csv": SessionNote.objects.filter(clinic=demo).count(),
        "addenda.csv": Addendum.objects.filter(note__clinic=demo).count(),
        "treatment_plans.csv": Plan.objects.filter(clinic=demo).count(),
        "goals.csv": PlanGoal.objects.filter(plan__clinic=demo).count(),
        "responses.csv": Response.objects.filter(clinic=demo).count(),
        "diary_entries.csv": DiaryEntry.objects.filter(clinic=demo).count(),
        "referral_letters.csv": ReferralLetter.objects.filter(client__clinic=demo).count(),
        "findings.csv": Firing.objects.filter(client__clinic=demo).count(),
        "memberships.csv": Membership.objects.filter(clinic=demo).count(),
        "clinic.csv": 1,
    }
    for name, count in expected.items():
        assert len(files[name]) == count, name
    for name in ("session_notes.csv", "addenda.csv", "treatment_plans.csv", "goals.csv"):
        assert files[name], f"the demo has {name}"
    signed = [r for r in files["session_notes.csv"] if r["status"] == "signed"]
    assert signed and all(len(r["content_hash"]) == 64 and r["signed_at"] for r in signed)

    # The file has the clinic's rows, and the clinics' rows add up to the whole table:
    # every row belongs to exactly one clinic's export.
    clinics = list(Clinic.objects.all())
    assert len(clinics) >= 2
    for kind in KINDS:
        assert len(files[kind.file]) == csv_export.scoped(kind, demo).count(), kind.file
        if kind.file == "users.csv":
            continue  # a login may work at several clinics
        total = apps.get_model(kind.model)._base_manager.count()
        assert sum(csv_export.scoped(kind, c).count() for c in clinics) == total, kind.file

    # Progress: from nothing to everything, never backwards.
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1]
    assert calls[-1][1] == sum(len(files[k.file]) for k in KINDS)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)

    # Joins work: every note's client is in clients.csv, every addendum's note in notes.
    client_ids = {r["id"] for r in files["clients.csv"]}
    note_ids = {r["id"] for r in files["session_notes.csv"]}
    assert {r["client_id"] for r in files["session_notes.csv"]} <= client_ids
    assert {r["note_id"] for r in files["addenda.csv"]} <= note_ids

    # Times carry their offset; decimals are text as stored.
    seen_at = dt.datetime.fromisoformat(files["appointments.csv"][0]["start"])
    assert seen_at.utcoffset() is not None
    prices = [r["price"] for r in files["services.csv"] if r["price"]]
    assert prices and all(re.fullmatch(r"\d+\.\d\d", p) for p in prices)


def _another_clinics_data_never_appears(
    demo: Clinic, path: Path, files: dict[str, list[dict[str, str]]]
) -> None:
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8-sig")
            assert OUTSIDER_MARK not in text, name
            assert "elsewhere.test" not in text, name
    assert {r["clinic_id"] for r in files["clients.csv"]} == {str(demo.pk)}
    assert {r["clinic_id"] for r in files["audit_log.csv"]} <= {str(demo.pk)}


def _the_readme_explains_every_column_of_every_file(
    path: Path, files: dict[str, list[dict[str, str]]]
) -> None:
    with zipfile.ZipFile(path) as archive:
        readme = archive.read(csv_export.README_NAME).decode("utf-8")
    sections = re.split(r"\n(?=\S+\.csv \(\d+ rows?\)\n)", readme)
    described: dict[str, dict[str, str]] = {}
    for section in sections[1:]:
        head, *lines = section.strip("\n").split("\n")
        name = head.split(" ")[0]
        described[name] = {}
        for line in lines:
            found = re.match(r"  - (\w+): (.+)", line)
            if found:
                described[name][found[1]] = found[2]
        count = len(files[name])
        assert f"({count} row{'' if count == 1 else 's'})" in head, name
    for kind in KINDS:
        header = [h["name"] for h in files[kind.file + ":header"]]
        assert list(described[kind.file]) == header, kind.file
        assert all(len(words) > 3 for words in described[kind.file].values()), kind.file
    assert "UTF-8 with a byte-order mark" in readme
    assert "apostrophe" in readme
    # Secrets are left out, and the README says so.
    assert all("token_digest" not in files[k.file + ":header"][0] for k in KINDS)
    assert not any(
        h["name"] in {"token_digest", "digest", "password"}
        for k in KINDS
        for h in files[k.file + ":header"]
    )
    assert "token_digest" in readme


def _formula_injection_is_neutralised_and_numbers_are_left_alone(
    files: dict[str, list[dict[str, str]]],
) -> None:
    row = next(r for r in files["clients.csv"] if r["last_name"] == "'+Plus")
    assert row["first_name"] == '\'=HYPERLINK("http://x.test")'
    assert row["preferred_name"] == "'@SUM(A1)"
    assert row["pronouns"] == "'-minus"
    assert row["address"] == "''=already quoted"
    texts = [r["text"] for r in files["addenda.csv"]]
    assert "'=Later: the client phoned, all well." in texts
    # A negative number stays a number.
    changes = [r["change"] for r in files["outcome_summaries.csv"] if r["change"]]
    assert changes and all(float(c) == float(c) for c in changes)  # numbers, no apostrophe
    # No cell anywhere starts with a formula character.
    for name, rows in files.items():
        for r in rows:
            for value in r.values():
                assert not value.startswith(("=", "+", "@")), (name, value)


def _reads_run_in_chunks_with_a_fixed_number_of_queries(
    demo: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_export, "CHUNK", 40)
    counts = {k.file: csv_export.scoped(k, demo).count() for k in KINDS}
    with CaptureQueriesContext(connection) as queries:
        _export(demo, tmp_path)
    selects = [
        q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    ]
    # One count per file, then one query per chunk of 40 rows (a last short chunk ends it).
    expected = len(KINDS) + sum(n // 40 + 1 for n in counts.values())
    assert len(selects) == expected
    assert max(counts.values()) > 40 * 3  # several chunks were really read


def test_every_model_is_exported_or_listed_and_every_column_described() -> None:
    assert csv_export.unlisted_models() == []
    assert csv_export.undescribed() == []


@pytest.mark.django_db(transaction=True)
def test_export_outside_a_transaction_reads_one_snapshot(outsider: Persona, tmp_path: Path) -> None:
    Client.objects.create(
        clinic=outsider.clinic,
        first_name="Solo",
        last_name="Client",
        date_of_birth=dt.date(1980, 1, 1),
    )
    path, calls = _export(outsider.clinic, tmp_path)
    files = _open(path)
    assert [r["first_name"] for r in files["clients.csv"]] == ["Solo"]
    assert calls[-1][0] == calls[-1][1] > 0
