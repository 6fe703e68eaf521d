"""A clinic that requires two-factor sign-in sends staff without it to set it up."""

from __future__ import annotations

from django.conf import settings


def test_staff_without_totp_are_sent_to_set_it_up(clinic, practitioner, browser_as):
    clinic.require_staff_mfa = True
    clinic.save()
    http = browser_as(practitioner)
    response = http.get("/clients/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    api = http.get("/api/v1/me")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "mfa_required"
    # The set-up path stays reachable (allauth may first ask to confirm the password).
    setup = http.get("/accounts/2fa/totp/activate/", follow=True)
    assert setup.status_code == 200
    assert all(url.startswith("/accounts/") for url, _ in setup.redirect_chain)


def test_without_the_requirement_staff_go_straight_in(clinic, practitioner, browser_as):
    assert browser_as(practitioner).get("/clients/").status_code == 200


def test_staff_sessions_expire_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
