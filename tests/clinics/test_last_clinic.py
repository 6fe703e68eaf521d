"""Someone who works in two clinics opens the one they last worked in, at every sign-in."""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient

from sacrum.clinics.middleware import LAST_CLINIC_COOKIE
from sacrum.clinics.models import Clinic, Membership
from sacrum.clinics.services import create_clinic
from tests.conftest import Persona, make_user


def _sign_in_again(http: HttpClient, persona: Persona) -> None:
    """A new session on the same device: the session cookie goes, other cookies stay."""
    http.cookies.pop("sessionid", None)
    http.force_login(persona.user, backend="django.contrib.auth.backends.ModelBackend")


def _active_clinic(http: HttpClient) -> str:
    answer = http.get("/api/v1/me")
    assert answer.status_code == 200
    return str(answer.json()["clinic_id"])


def test_the_last_clinic_is_opened_at_the_next_sign_in(practitioner: Persona, db: Any) -> None:
    # "Aardvark" sorts before "Stillwater": without the memory, every sign-in opened it.
    other = create_clinic(
        name="Aardvark Wellbeing", time_zone="Europe/London", owner=make_user("o@aardvark.test")
    )
    Membership.objects.create(clinic=other, user=practitioner.user, role="practitioner")
    stillwater: Clinic = practitioner.clinic
    http = HttpClient()
    http.force_login(practitioner.user, backend="django.contrib.auth.backends.ModelBackend")
    assert _active_clinic(http) == str(other.pk)

    switched = http.post("/clinic/switch", {"clinic": str(stillwater.pk)})
    assert switched.status_code == 302
    assert http.cookies[LAST_CLINIC_COOKIE].value == str(stillwater.pk)
    assert http.cookies[LAST_CLINIC_COOKIE]["httponly"]

    _sign_in_again(http, practitioner)
    assert _active_clinic(http) == str(stillwater.pk)
    # The dashboard names the clinic too.
    assert stillwater.name in http.get("/").content.decode()


def test_a_remembered_clinic_they_no_longer_work_in_is_ignored(
    practitioner: Persona, db: Any
) -> None:
    other = create_clinic(
        name="Aardvark Wellbeing", time_zone="Europe/London", owner=make_user("o@aardvark.test")
    )
    http = HttpClient()
    http.cookies[LAST_CLINIC_COOKIE] = str(other.pk)  # e.g. someone else's on this device
    http.force_login(practitioner.user, backend="django.contrib.auth.backends.ModelBackend")
    assert _active_clinic(http) == str(practitioner.clinic.pk)
