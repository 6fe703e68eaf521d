"""Repeated failed sign-ins lock the account (django-axes), whatever the e-mail's case."""

from __future__ import annotations

from django.test import Client as HttpClient

from sacrum.access.lockout import attempted_account
from tests.conftest import PASSWORD, Persona


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(
    practitioner: Persona,
) -> None:
    http = HttpClient()
    email = practitioner.user.email
    for attempt, login in enumerate([email, email.upper(), email, f" {email}", email], 1):
        response = http.post("/accounts/login/", {"login": login, "password": "guess-123456"})
        expected = 429 if attempt == 5 else 200
        assert response.status_code == expected, attempt

    response = http.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in http.session


def test_a_colleague_on_the_same_address_is_not_locked_out(
    practitioner: Persona, front_desk: Persona
) -> None:
    http = HttpClient()
    for _ in range(5):
        http.post("/accounts/login/", {"login": practitioner.user.email, "password": "nope-123456"})
    response = http.post("/accounts/login/", {"login": front_desk.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert http.session["_auth_user_id"] == str(front_desk.user.pk)


def test_the_attempted_account_is_read_from_allauths_credentials() -> None:
    assert attempted_account(None, {"email": " Pat@Stillwater.TEST "}) == "pat@stillwater.test"
    assert attempted_account(None, {"username": "pat@x.test"}) == "pat@x.test"
    assert attempted_account(None, {}) is None
