"""Signing in through allauth's real forms, with a second factor, for tests that need it."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client as HttpClient

from sacrum.access.models import User
from tests.conftest import PASSWORD

AUTHENTICATE = "/accounts/2fa/authenticate/"


def give_totp(user: User) -> str:
    """Turn on TOTP for ``user``; returns the secret an authenticator app would hold."""
    secret: str = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def code_now(secret: str) -> str:
    """The code an authenticator app shows at this (test-controlled) instant."""
    return str(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))


def wrong_code(secret: str) -> str:
    return "000000" if code_now(secret) != "000000" else "111111"


def password_step(http: HttpClient, user: User, next_url: str = "") -> None:
    """The password step: for an account with TOTP, allauth then asks for the code."""
    path = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    response = http.post(path, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    assert response["Location"] == AUTHENTICATE


def sign_in_with_totp(user: User, secret: str, next_url: str = "") -> HttpClient:
    """A client that signed in with the password and then the current TOTP code."""
    http = HttpClient()
    password_step(http, user, next_url)
    response = http.post(AUTHENTICATE, {"code": code_now(secret)})
    assert response.status_code == 302, response.content[:500]
    assert "_auth_user_id" in http.session
    return http
