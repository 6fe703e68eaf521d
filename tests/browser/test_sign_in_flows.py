"""Real-browser journeys: two-factor set-up and a new client, and the sign-in lockout."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from sacrum.clients.models import Client
from tests.browser.conftest import Shots
from tests.conftest import PASSWORD, Persona

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now (allauth's own RFC 6238 helper)."""
    return str(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))


def submit_login(page: Any, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()


def test_totp_set_up_new_client_and_second_factor_on_next_sign_in(
    page: Any, shot: Shots, practitioner: Persona, settings: Any
) -> None:
    # One step of clock tolerance either side, as a phone's authenticator needs: the code
    # computed here stays valid if a 30-second boundary passes before the server checks it.
    settings.MFA_TOTP_TOLERANCE = 1
    email = practitioner.user.email

    submit_login(page, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_contain_text("Today")
    shot(page, "dashboard-before-2fa")

    page.get_by_role("link", name="set up two-factor sign-in").click()
    # allauth asks for the password again before changing how the account signs in.
    expect(page.locator("h1")).to_have_text("Confirm Access")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()  # the QR code
    shot(page, "totp-activate")

    page.fill("#id_code", "123456" if totp_code(secret) != "123456" else "654321")
    page.get_by_role("button", name="Activate").click()
    expect(page.locator(".has-error, .errorlist, [role=alert]").first).to_be_visible()
    page.fill("#id_code", totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    recovery_codes = page.locator("#recovery_codes").input_value().split()
    assert len(recovery_codes) >= 5
    shot(page, "recovery-codes")

    page.goto("/accounts/2fa/")
    expect(page.get_by_text("Authentication using an authenticator app is active.")).to_be_visible()
    assert Authenticator.objects.filter(user=practitioner.user, type="totp").exists()
    shot(page, "2fa-active")

    page.goto("/clients/")
    page.get_by_role("link", name=re.compile("new client", re.I)).click()
    expect(page).to_have_url(re.compile(r"/clients/new$"))
    page.fill("#id_first_name", "Imogen")
    page.fill("#id_last_name", "Thistlewood")
    next_year = dt.date.today().replace(year=dt.date.today().year + 1, day=1)
    page.fill("#id_date_of_birth", next_year.isoformat())
    page.get_by_role("button", name="Add client").click()
    error = page.locator("#id_date_of_birth_error")
    expect(error).to_contain_text("future")
    # The message sits with its field, inside the date-of-birth field group.
    expect(page.locator(".field.has-error #id_date_of_birth")).to_have_count(1)
    assert not Client.objects.filter(last_name="Thistlewood").exists()
    shot(page, "client-future-birth-date")

    page.fill("#id_date_of_birth", "1984-03-27")
    page.get_by_role("button", name="Add client").click()
    expect(page).to_have_url(re.compile(rf"/clients/{UUID}/$"))
    expect(page.locator("h1")).to_contain_text("Imogen Thistlewood")
    expect(page.get_by_text("27 March 1984")).to_be_visible()
    assert Client.objects.filter(last_name="Thistlewood", clinic=practitioner.clinic).count() == 1
    shot(page, "client-created")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    shot(page, "signed-out")

    submit_login(page, email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.locator("h1")).to_contain_text("Two-Factor Authentication")
    shot(page, "second-factor-asked")
    page.goto("/clients/")  # not signed in until the second factor is given
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))

    page.fill("#id_code", "000000" if totp_code(secret) != "000000" else "111111")
    page.locator("form[action='/accounts/2fa/authenticate/'] button[type=submit]").first.click()
    expect(page.locator("#id_code")).to_be_visible()  # still asked, with an error
    expect(page.locator(".errorlist, .has-error, [role=alert]").first).to_be_visible()
    shot(page, "second-factor-wrong-code")
    page.fill("#id_code", recovery_codes[0])
    page.locator("form[action='/accounts/2fa/authenticate/'] button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_contain_text("Today")
    shot(page, "signed-in-with-second-factor")


def test_five_wrong_passwords_lock_the_account(
    page: Any, shot: Shots, practitioner: Persona
) -> None:
    email = practitioner.user.email
    submit_login(page, email, "wrong-password-1")
    expect(page.locator("form[action='/accounts/login/']")).to_contain_text(
        re.compile("not correct|incorrect", re.I)
    )
    shot(page, "wrong-password")
    for attempt in range(2, 6):
        submit_login(page, email, f"wrong-password-{attempt}")

    submit_login(page, email, PASSWORD)
    expect(page.locator("h1")).to_have_text("Too many failed sign-ins")
    expect(page.get_by_role("alert")).to_contain_text("locked for 15 minutes")
    shot(page, "locked-out")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
