"""allauth's account e-mails: queued for the worker without any key, made fresh at send time;
and the "unknown account" mail in Sacrum's own words."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.conftest import PASSWORD, make_user

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
BROKEN_SMTP = "tests.access.test_account_mail.MailServerDown"
WORKING_SMTP = "django.core.mail.backends.locmem.EmailBackend"
LINK = re.compile(r"https?://\S+")


class MailServerDown(BaseEmailBackend):
    """Every send fails the way an unreachable SMTP server does."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError(111, "Connection refused")


def queued_rows() -> list[str]:
    return [json.dumps(row.args_kwargs) for row in DBTaskResult.objects.all()]


def run_worker() -> None:
    with override_settings(EMAIL_BACKEND=WORKING_SMTP):
        call_command("worker", batch=True, no_startup_delay=True, verbosity=0)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def unverified(db: Any) -> Any:
    user = make_user("nora@stillwater.test", "Nora New")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


@pytest.mark.django_db(transaction=True)
@override_settings(
    TASKS=DB_TASKS, EMAIL_BACKEND=BROKEN_SMTP, ACCOUNT_EMAIL_VERIFICATION="mandatory"
)
def test_signing_in_unverified_while_smtp_is_down_says_check_your_inbox(unverified: Any) -> None:
    http = HttpClient()
    response = http.post(
        reverse("account_login"), {"login": unverified.email, "password": PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert response.resolver_match.url_name == "account_email_verification_sent"
    assert "Verify Your Email Address" in response.content.decode()
    [row] = queued_rows()
    assert "confirm-email" not in row and '"key"' not in row and "http" not in row
    assert json.loads(row)["kwargs"]["kind"] == "email_confirmation"

    # The worker makes the link when it sends, and that link confirms the address.
    run_worker()
    [message] = mail.outbox
    assert message.to == [unverified.email]
    link = next(u for u in LINK.findall(str(message.body)) if "/confirm-email/" in u)
    assert http.post(path_of(link)).status_code == 302
    assert EmailAddress.objects.get(user=unverified).verified is True
    assert not any(link in row for row in queued_rows())


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS, EMAIL_BACKEND=BROKEN_SMTP)
def test_a_password_reset_is_queued_without_its_link(unverified: Any) -> None:
    http = HttpClient()
    response = http.post(reverse("account_reset_password"), {"email": unverified.email})

    assert response.status_code == 302
    [row] = queued_rows()
    assert "password/reset/key" not in row and "http" not in row
    assert json.loads(row)["kwargs"] == {
        "kind": "password_reset",
        "email": unverified.email,
        "user_id": str(unverified.pk),
    }

    run_worker()
    [message] = mail.outbox
    link = next(u for u in LINK.findall(str(message.body)) if "/password/reset/key/" in u)
    page = http.get(path_of(link), follow=True)
    assert 'name="password1"' in page.content.decode()  # the key was accepted
    assert not any(link in row for row in queued_rows())


@pytest.mark.django_db
@pytest.mark.parametrize("signup_open", [False, True], ids=["signup-closed", "signup-open"])
def test_the_unknown_account_mail_speaks_for_sacrum(settings: Any, signup_open: bool) -> None:
    settings.ACCOUNT_SIGNUP_OPEN = signup_open
    response = HttpClient().post(reverse("account_reset_password"), {"email": "who@nowhere.test"})
    assert response.status_code == 302

    [message] = mail.outbox
    assert message.to == ["who@nowhere.test"]
    assert "There is no account with this e-mail address" in message.body
    assert "Hello from" not in message.body  # allauth's own wording is gone
    signup_link = "/accounts/signup/" in message.body
    assert signup_link is signup_open
    assert ("invitation from their clinic" in message.body) is not signup_open
