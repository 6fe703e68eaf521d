"""The `sacrum` command: createclinic (flags and prompts) and the demo seed."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from sacrum.access.models import User
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Membership
from sacrum.web.demo import DEMO_PASSWORD, seed_demo


@pytest.mark.django_db
def test_createclinic_with_flags_creates_clinic_and_owner() -> None:
    out = io.StringIO()
    call_command(
        "createclinic",
        name="Quiet Hands",
        time_zone="Europe/Berlin",
        owner_email="Owner@Quiet.example",
        owner_name="Qi Owner",
        owner_password="a-long-unusual-passphrase",
        no_input=True,
        stdout=out,
    )
    clinic = Clinic.objects.get(name="Quiet Hands")
    member = Membership.objects.get(clinic=clinic)
    assert member.role == "owner" and member.user.email == "owner@quiet.example"
    assert member.user.check_password("a-long-unusual-passphrase")
    assert "Created clinic" in out.getvalue()


@pytest.mark.django_db
def test_createclinic_refuses_unknown_time_zone_and_writes_nothing() -> None:
    with pytest.raises(CommandError, match="time_zone"):
        call_command(
            "createclinic",
            name="Nowhere",
            time_zone="Mars/Olympus",
            owner_email="x@nowhere.example",
            owner_password="a-long-unusual-passphrase",
            no_input=True,
        )
    assert not Clinic.objects.filter(name="Nowhere").exists()
    assert not User.objects.filter(email="x@nowhere.example").exists()


@pytest.mark.django_db
def test_createclinic_refuses_weak_password() -> None:
    with pytest.raises(CommandError, match="Password refused"):
        call_command(
            "createclinic",
            name="Weak",
            time_zone="UTC",
            owner_email="w@weak.example",
            owner_password="123",
            no_input=True,
        )


@pytest.mark.django_db
def test_createclinic_asks_interactively(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["Prompted Practice", "America/New_York", "p@prompted.example", "Pia Prompt"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "another-long-passphrase")
    call_command("createclinic", stdout=io.StringIO())
    clinic = Clinic.objects.get(name="Prompted Practice")
    assert clinic.time_zone == "America/New_York"
    assert Membership.objects.get(clinic=clinic).user.full_name == "Pia Prompt"


@pytest.mark.django_db
def test_demo_seed_is_idempotent_and_logins_work() -> None:
    first = seed_demo(log=lambda *_: None)
    counts = (Clinic.objects.count(), User.objects.count(), Client.objects.count())
    seed_demo(log=lambda *_: None)
    assert (Clinic.objects.count(), User.objects.count(), Client.objects.count()) == counts
    roles = {role for role, _ in first["logins"]}
    assert roles == {"Owner", "Practitioner", "Front desk", "Client (portal)"}
    for _role, email in first["logins"]:
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD)
