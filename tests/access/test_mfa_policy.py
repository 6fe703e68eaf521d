"""A clinic that requires two-factor sign-in sends staff without it to set it up."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.test import Client as HttpClient

from sacrum.access.models import ApiToken
from sacrum.access.tokens import create_token
from sacrum.clinics.models import Clinic
from tests.conftest import ApiClient, Persona


def test_staff_without_totp_are_sent_to_set_it_up(
    clinic: Clinic, practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
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


def test_without_the_requirement_staff_go_straight_in(
    clinic: Clinic, practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    assert browser_as(practitioner).get("/clients/").status_code == 200


def test_staff_sessions_expire_after_thirty_idle_minutes() -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def _give_totp(persona: Persona) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(persona.user, generate_totp_secret())


def test_a_made_up_authorization_header_does_not_skip_the_requirement(
    clinic: Clinic, practitioner: Persona, browser_as: Callable[[Persona], HttpClient]
) -> None:
    """The session decides: a bogus header beside the session cookie changes nothing."""
    clinic.require_staff_mfa = True
    clinic.save()
    http = browser_as(practitioner)
    for header in ("x", "Bearer x", "Bearer sac_00000000_made-up", "Basic cGF0OnB3"):
        page = http.get("/clients/", HTTP_AUTHORIZATION=header)
        assert page.status_code == 302, header
        assert page["Location"] == "/accounts/2fa/totp/activate/"
        api = http.get("/api/v1/me", HTTP_AUTHORIZATION=header)
        assert api.status_code == 403, header
        assert api.json()["error"]["code"] == "mfa_required"
        created = http.post(
            "/api/v1/tokens",
            data=json.dumps({"name": "sneaky"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=header,
        )
        assert created.status_code == 403, header
    assert not ApiToken.objects.filter(membership=practitioner.member).exists()


def test_a_valid_token_of_someone_with_totp_works_in_a_clinic_requiring_it(
    clinic: Clinic, practitioner: Persona, api: Callable[[Persona], ApiClient]
) -> None:
    _give_totp(practitioner)
    client = api(practitioner)
    clinic.require_staff_mfa = True
    clinic.save()
    status, me = client.get("/me")
    assert status == 200
    assert me["email"] == practitioner.user.email


def test_a_token_whose_owner_has_no_totp_stops_working_once_the_clinic_requires_it(
    clinic: Clinic, practitioner: Persona, owner: Persona, api: Callable[[Persona], ApiClient]
) -> None:
    client = api(practitioner)  # made before the clinic required two-factor sign-in
    assert client.get("/me")[0] == 200
    clinic.require_staff_mfa = True
    clinic.save()
    status, body = client.get("/me")
    assert status == 403
    assert body["error"]["code"] == "mfa_required"
    _give_totp(practitioner)
    assert client.get("/me")[0] == 200


def test_a_valid_token_is_its_owners_even_beside_another_persons_session(
    clinic: Clinic,
    practitioner: Persona,
    owner: Persona,
    api: Callable[[Persona], ApiClient],
    browser_as: Callable[[Persona], HttpClient],
) -> None:
    """A token request is authenticated by the token, not by a session that came with it."""
    _give_totp(owner)
    clinic.require_staff_mfa = True
    clinic.save()
    _token, raw = create_token(actor=owner.actor, name="script")
    http = browser_as(practitioner)  # no TOTP: the session alone is refused
    assert http.get("/api/v1/me").status_code == 403
    response = http.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["email"] == owner.user.email
    # Pages are never token-authenticated: the session's rule still applies there.
    page = http.get("/clients/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert page.status_code == 302
