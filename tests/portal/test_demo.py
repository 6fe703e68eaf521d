"""The portal demo: a client login that signs in and sees visits and a curve; idempotent."""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient

from sacrum.portal import demo as portal_demo
from sacrum.portal.models import PortalAccount
from sacrum.web.demo import seed_demo


def test_the_demo_client_signs_in_and_sees_their_page(db: Any) -> None:
    ctx = seed_demo(log=lambda _line: None)
    assert ("Client (portal)", portal_demo.EMAIL) in ctx["logins"]
    http = HttpClient()
    signed = http.post(
        "/accounts/login/", {"login": portal_demo.EMAIL, "password": ctx["password"]}
    )
    assert signed.status_code == 302 and signed["Location"] == "/portal/"
    home = http.get("/portal/").content.decode()
    assert "Coming up" in home and "No visits booked" not in home
    progress = http.get("/portal/progress").content.decode()
    assert "<svg" in progress and "Minimal important change" in progress

    before = PortalAccount.objects.count()
    assert "already" in portal_demo.seed(ctx)
    assert PortalAccount.objects.count() == before == 1
