"""The Django admin needs a sign-in with the second factor, and is off in production."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client as HttpClient

from sacrum.access.models import User
from tests.access.signin import give_totp, password_step, sign_in_with_totp
from tests.conftest import PASSWORD
from tests.test_settings_production import HOST, run

AUDIT = "/admin/access/auditentry/"
NOW = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC)


@pytest.fixture
def superuser(db: Any) -> User:
    return User.objects.create_superuser(email="root@sacrum.test", password=PASSWORD)


def test_a_superuser_with_only_a_password_is_refused(superuser: User) -> None:
    """A superuser made with `sacrum createsuperuser` cannot read the audit log by password."""
    http = HttpClient()
    response = http.post("/accounts/login/", {"login": superuser.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in http.session  # signed in to Sacrum...
    page = http.get(AUDIT, follow=True)
    assert page.status_code == 403  # ...but not into the admin
    assert b"needs two-factor sign-in" in page.content
    assert http.get("/admin/").status_code == 302


def test_the_admins_own_password_form_signs_nobody_in(superuser: User) -> None:
    http = HttpClient()
    response = http.get("/admin/")
    assert response.status_code == 302
    login = http.get(response["Location"])
    assert login.status_code == 302
    assert login["Location"].startswith("/accounts/login/?next=")
    posted = http.post(
        "/admin/login/?next=/admin/", {"username": superuser.email, "password": PASSWORD}
    )
    assert posted.status_code == 302
    assert posted["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in http.session


def test_totp_on_the_account_is_not_enough_without_using_it_this_session(superuser: User) -> None:
    give_totp(superuser)
    http = HttpClient()
    http.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    assert http.get(AUDIT, follow=True).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_a_superuser_who_signed_in_with_the_second_factor_gets_in(superuser: User) -> None:
    secret = give_totp(superuser)
    http = HttpClient()
    password_step(http, superuser, next_url="/admin/")
    assert http.get("/admin/").status_code == 302  # half signed in: not yet
    http = sign_in_with_totp(superuser, secret, next_url="/admin/")
    assert http.get("/admin/").status_code == 200
    assert http.get(AUDIT).status_code == 200


def test_staff_without_staff_status_are_refused_even_with_the_second_factor(db: Any) -> None:
    user = User.objects.create_user(email="pat@stillwater.test", password=PASSWORD)
    secret = give_totp(user)
    with time_machine.travel(NOW, tick=False):
        http = sign_in_with_totp(user, secret)
        assert http.get("/admin/", follow=True).status_code == 403


def test_production_has_no_admin_unless_asked_for(tmp_path: Path) -> None:
    probe = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from django.urls import Resolver404, resolve\n"
        "try:\n"
        "    found = resolve('/admin/').view_name\n"
        "except Resolver404:\n"
        "    found = None\n"
        "print(json.dumps([settings.ADMIN_ENABLED, found]))\n"
    )
    env = {"SACRUM_SECRET_KEY": secrets.token_urlsafe(64), "SACRUM_ALLOWED_HOSTS": HOST}
    off = run(tmp_path, ["-c", probe], **env)
    assert off.returncode == 0, off.stderr[-2000:]
    assert json.loads(off.stdout.strip().splitlines()[-1]) == [False, None]
    on = run(tmp_path, ["-c", probe], SACRUM_ADMIN="true", **env)
    assert on.returncode == 0, on.stderr[-2000:]
    assert json.loads(on.stdout.strip().splitlines()[-1]) == [True, "admin:index"]
