"""Staff Sacrum set up itself can sign in and turn on two-factor sign-in straight away.

allauth refuses TOTP (and, in production, the first sign-in) until the address is
verified. Sacrum marks it verified where it knows the address works: the operator made
the account (``createclinic``, the demo) or an invitation link reached that inbox. The
tests sign in as production does (mandatory verification) and activate TOTP for real.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse

from sacrum.access.models import User
from sacrum.clinics import demo as clinics_demo
from sacrum.clinics import services
from sacrum.web.demo import DEMO_PASSWORD
from tests.conftest import PASSWORD, make_user
from tests.emails import emailed_token

MORNING = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
ACTIVATE = "/accounts/2fa/totp/activate/"

pytestmark = pytest.mark.usefixtures("production_verification")


@pytest.fixture
def production_verification(settings: Any) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"


def sign_in_and_activate_totp(email: str, password: str) -> None:
    http = HttpClient()
    with time_machine.travel(MORNING, tick=False):
        response = http.post(reverse("account_login"), {"login": email, "password": password})
        assert response.status_code == 302
        assert response["Location"] == reverse("web:dashboard"), "sign-in did not go through"
        # allauth asks for the password again before adding a second factor.
        again = http.post(
            reverse("account_reauthenticate") + f"?next={ACTIVATE}", {"password": password}
        )
        assert again.status_code == 302
        page = http.get(ACTIVATE)
        assert page.status_code == 200, f"TOTP activation refused: {page.get('Location')}"
        secret = http.session[SECRET_SESSION_KEY]
        code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
        assert http.post(ACTIVATE, {"code": code}).status_code == 302
    user = User.objects.get(email=email)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert EmailAddress.objects.get(user=user, primary=True).verified


def test_the_owner_made_by_createclinic(db: Any) -> None:
    call_command(
        "createclinic",
        name="Harbour Practice",
        time_zone="Europe/London",
        owner_email="hana@harbour.test",
        owner_password=PASSWORD,
        no_input=True,
        stdout=None,
    )
    sign_in_and_activate_totp("hana@harbour.test", PASSWORD)


def test_an_existing_account_made_owner_by_createclinic(db: Any) -> None:
    user = make_user("ivo@harbour.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    call_command(
        "createclinic",
        name="Ivo's Practice",
        time_zone="Europe/London",
        owner_email=user.email,
        no_input=True,
    )
    sign_in_and_activate_totp(user.email, PASSWORD)


def test_demo_staff(db: Any) -> None:
    ctx: dict[str, Any] = {"password": DEMO_PASSWORD, "logins": []}
    clinics_demo.seed(ctx)
    _role, email = ctx["logins"][1]
    sign_in_and_activate_totp(email, DEMO_PASSWORD)


def test_a_colleague_who_joined_by_invitation_with_a_new_account(owner: Any) -> None:
    services.invite(actor=owner.actor, email="lena@example.test", role="practitioner")
    raw = emailed_token("/invitations/")
    joined = HttpClient().post(
        reverse("web:invitation_accept", args=[raw]),
        {"full_name": "Lena Fischer", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert joined.status_code == 302
    sign_in_and_activate_totp("lena@example.test", PASSWORD)


def test_someone_with_an_unverified_account_who_accepts_an_invitation(owner: Any) -> None:
    user = make_user("omar@example.test", "Omar")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    services.invite(actor=owner.actor, email=user.email, role="practitioner")
    raw = emailed_token("/invitations/")
    http = HttpClient()
    http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert http.post(reverse("web:invitation_accept", args=[raw])).status_code == 302
    sign_in_and_activate_totp(user.email, PASSWORD)
