"""Invite → set a password → sign in → see one's own page; the token is one-time, expiring,
stored hashed, and a tampered one opens nothing; staff revoke access."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.utils import timezone

from sacrum.access.models import AuditEntry, User
from sacrum.portal import services
from sacrum.portal.models import PortalAccount
from tests.conftest import PASSWORD, Persona, make_user
from tests.portal.conftest import Person

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-quiet-river-42"


def _invite_by_page(http: HttpClient, person: Person) -> str:
    response = http.post(f"/portal/clients/{person.client.pk}/access")
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == [person.client.email]
    found = re.search(r"https?://\S+/portal/join/(\S+)/", str(message.body))
    assert found, message.body
    return found.group(1)


def test_invite_set_password_sign_in_and_see_own_page(
    owner: Persona, browser_as: Any, ada: Person
) -> None:
    raw = _invite_by_page(browser_as(owner), ada)
    account = PortalAccount.objects.get(client=ada.client)
    # Only the digest is stored; the raw token is in the e-mail alone.
    assert account.token_digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(PortalAccount.objects.filter(pk=account.pk).values().first())
    assert account.state == "invited"

    http = HttpClient()
    page = http.get(f"/portal/join/{raw}/")
    assert page.status_code == 200 and b"Choose a password" in page.content
    weak = http.post(f"/portal/join/{raw}/", {"password1": "short", "password2": "short"})
    assert weak.status_code == 200 and not User.objects.filter(email=ada.client.email).exists()
    done = http.post(f"/portal/join/{raw}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/portal/"
    account.refresh_from_db()
    assert account.state == "active" and account.user is not None
    assert account.user.email == ada.client.email

    # A fresh browser signs in with the new password and lands on the portal.
    fresh = HttpClient()
    signed = fresh.post("/accounts/login/", {"login": ada.client.email, "password": NEW_PASSWORD})
    assert signed.status_code == 302 and signed["Location"] == "/portal/", signed
    home = fresh.get("/portal/")
    assert home.status_code == 200
    text = home.content.decode()
    assert "Hello Ada" in text and "Craniosacral session" in text
    # The staff home page sends a client to their own page.
    assert fresh.get("/")["Location"] == "/portal/"


def test_the_token_works_once(owner: Persona, browser_as: Any, ada: Person) -> None:
    raw = _invite_by_page(browser_as(owner), ada)
    http = HttpClient()
    http.post(f"/portal/join/{raw}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    again = HttpClient().get(f"/portal/join/{raw}/")
    assert again.status_code == 404
    assert services.find_invitation(raw) is None


def test_an_expired_token_opens_nothing(owner: Persona, browser_as: Any, ada: Person) -> None:
    raw = _invite_by_page(browser_as(owner), ada)
    PortalAccount.objects.filter(client=ada.client).update(
        token_expires_at=timezone.now() - dt.timedelta(seconds=1),
        invited_at=timezone.now() - dt.timedelta(days=8),
    )
    http = HttpClient()
    assert http.get(f"/portal/join/{raw}/").status_code == 404
    response = http.post(
        f"/portal/join/{raw}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 404
    assert not User.objects.filter(email=ada.client.email).exists()


@pytest.mark.parametrize("tamper", ["flip", "truncate", "extend", "empty-ish", "huge"])
def test_a_tampered_token_opens_nothing(
    owner: Persona, browser_as: Any, ada: Person, tamper: str
) -> None:
    raw = _invite_by_page(browser_as(owner), ada)
    bad = {
        "flip": raw[:-1] + ("A" if raw[-1] != "A" else "B"),
        "truncate": raw[:-3],
        "extend": raw + "x",
        "empty-ish": "x",
        "huge": raw * 5,
    }[tamper]
    http = HttpClient()
    response = http.get(f"/portal/join/{bad}/")
    assert response.status_code == 404
    assert b"Ada" not in response.content and b"ada@example" not in response.content
    http.post(f"/portal/join/{bad}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert PortalAccount.objects.get(client=ada.client).state == "invited"


def test_a_new_invitation_replaces_the_open_one(
    owner: Persona, browser_as: Any, ada: Person
) -> None:
    staff = browser_as(owner)
    first = _invite_by_page(staff, ada)
    second = _invite_by_page(staff, ada)
    assert services.find_invitation(first) is None
    assert services.find_invitation(second) is not None
    assert PortalAccount.objects.filter(client=ada.client).count() == 1


def test_linking_an_existing_login_needs_the_same_email(
    owner: Persona, browser_as: Any, ada: Person
) -> None:
    raw = _invite_by_page(browser_as(owner), ada)
    stranger = browser_as(Persona(make_user("someone@else.test"), None))  # type: ignore[arg-type]
    page = stranger.get(f"/portal/join/{raw}/")
    assert b"another address" in page.content
    stranger.post(f"/portal/join/{raw}/")
    assert PortalAccount.objects.get(client=ada.client).state == "invited"

    existing = make_user(ada.client.email)
    anonymous = HttpClient().get(f"/portal/join/{raw}/")
    assert b"Sign in" in anonymous.content
    owner_of_login = HttpClient()
    owner_of_login.force_login(existing, backend="django.contrib.auth.backends.ModelBackend")
    linked = owner_of_login.post(f"/portal/join/{raw}/")
    assert linked.status_code == 302 and linked["Location"] == "/portal/"
    account = PortalAccount.objects.get(client=ada.client)
    assert account.state == "active" and account.user == existing
    assert existing.check_password(PASSWORD)  # the password was not touched


def test_an_existing_login_signs_in_and_links_without_the_token_in_the_session(
    owner: Persona, browser_as: Any, ada: Person
) -> None:
    raw = _invite_by_page(browser_as(owner), ada)
    existing = make_user(ada.client.email)
    visitor = HttpClient()
    page = visitor.get(f"/portal/join/{raw}/").content.decode()
    assert (
        "next=%2Fportal%2Fjoin%2Fresume%2F" in page and f"next=%2Fportal%2Fjoin%2F{raw}" not in page
    )
    assert visitor.get("/portal/join/resume/").status_code == 404  # not signed in yet
    visitor.force_login(existing, backend="django.contrib.auth.backends.ModelBackend")
    linked = visitor.post("/portal/join/resume/")
    assert linked.status_code == 302 and linked["Location"] == "/portal/"
    assert PortalAccount.objects.get(client=ada.client).user == existing
    assert not any(raw in str(s.get_decoded()) for s in Session.objects.all())


def test_revoked_access_ends_the_page(
    owner: Persona, browser_as: Any, ada_account: PortalAccount, as_ada: HttpClient
) -> None:
    assert as_ada.get("/portal/").status_code == 200
    staff = browser_as(owner)
    response = staff.post(f"/portal/clients/{ada_account.client_id}/access/revoke")
    assert response.status_code == 302
    assert as_ada.get("/portal/").status_code == 403
    assert as_ada.get("/portal/record.pdf").status_code == 403
    ada_account.refresh_from_db()
    assert ada_account.state == "revoked"
    # History stays; a new invitation makes a new row.
    staff.post(f"/portal/clients/{ada_account.client_id}/access")
    assert PortalAccount.objects.filter(client_id=ada_account.client_id).count() == 2


def test_front_desk_and_practitioner_may_invite(
    front_desk: Persona, practitioner: Persona, browser_as: Any, ada: Person
) -> None:
    assert browser_as(front_desk).get(f"/portal/clients/{ada.client.pk}/access").status_code == 200
    _invite_by_page(browser_as(practitioner), ada)
    entry = AuditEntry.objects.filter(object_type="portalaccount", action="create").get()
    assert entry.actor == practitioner.user


def test_inviting_an_active_client_is_refused(
    owner: Persona, ada_account: PortalAccount, ada: Person
) -> None:
    from sacrum.kernel.errors import Conflict

    with pytest.raises(Conflict):
        services.invite(actor=owner.actor, client=ada.client)


def test_the_database_allows_one_live_account_per_client(
    owner: Persona, ada_account: PortalAccount, ada: Person
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PortalAccount.objects.create(
            clinic=owner.clinic,
            client=ada.client,
            email="x@example.test",
            token_digest="0" * 64,
            token_expires_at=timezone.now() + dt.timedelta(days=1),
        )


def test_the_database_allows_one_client_per_login_per_clinic(
    owner: Persona, ada_account: PortalAccount, bea: Person
) -> None:
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        PortalAccount.objects.create(
            clinic=owner.clinic,
            client=bea.client,
            user=ada_account.user,
            email=bea.client.email,
            token_digest="1" * 64,
            token_expires_at=now + dt.timedelta(days=1),
            token_used_at=now,
            activated_at=now,
        )
