"""Shared fixtures: named personas in two clinics, and API/page clients acting as them.

Personas: ``owner``, ``practitioner``, ``front_desk`` of the Stillwater clinic, and
``outsider`` (owner of another clinic, who must never see Stillwater's records).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import Client as HttpClient
from django.test.testcases import LiveServerThread

from sacrum.access.models import User
from sacrum.access.roles import Role
from sacrum.access.tokens import create_token
from sacrum.clients.models import Client
from sacrum.clinics.models import Clinic, Membership
from sacrum.clinics.services import create_clinic
from sacrum.kernel.actor import StaffActor
from tests import db_reset

# Every test runs on a controlled clock (tests/clock.py): --clock / SACRUM_TEST_CLOCK.
# Every page a browser test opens is checked with axe-core (tests/accessibility.py).
pytest_plugins = ["tests.clock", "tests.accessibility"]

PASSWORD = "correct-horse-battery-9"


class _OneRequestAtATime(ThreadedWSGIServer):
    """The live server, answering one request at a time.

    On SQLite every request thread of pytest-django's live server shares the test's one
    in-memory connection, so a page's autosave arriving while a form posts would
    interleave two transactions on one connection ("database table is locked").
    Production never shares a connection (each gunicorn worker opens its own).
    """

    _serial = threading.Lock()

    def set_app(self, application: Any) -> None:
        def serialised(environ: Any, start_response: Any) -> Any:
            with self._serial:
                return list(application(environ, start_response))

        super().set_app(serialised)


LiveServerThread.server_class = _OneRequestAtATime
# After a transactional test only the tables that hold rows are emptied (tests/db_reset.py).
db_reset.install()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request: pytest.FixtureRequest) -> None:
    """Rate limits count in the shared cache (a database table); each test starts at zero.

    The table lives in the test database, so it is cleared once the test's database
    access is set up; a test without database access has no cache to clear.
    """
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            cache.clear()
            return
    if request.node.get_closest_marker("django_db"):
        cache.clear()


@dataclass
class Persona:
    user: User
    member: Membership

    @property
    def actor(self) -> StaffActor:
        return StaffActor(user=self.user, member=self.member, ip="127.0.0.1", user_agent="pytest")

    @property
    def clinic(self) -> Clinic:
        return self.member.clinic


def make_user(email: str, name: str = "") -> User:
    return User.objects.create_user(email=email, password=PASSWORD, full_name=name or email)


def add_member(clinic: Clinic, email: str, role: str, name: str = "") -> Persona:
    user = make_user(email, name)
    return Persona(user, Membership.objects.create(clinic=clinic, user=user, role=role))


@pytest.fixture
def clinic(db: Any) -> Clinic:
    owner = make_user("owner@stillwater.test", "Olivia Owner")
    return create_clinic(name="Stillwater Practice", time_zone="Europe/London", owner=owner)


@pytest.fixture
def owner(clinic: Clinic) -> Persona:
    member = Membership.objects.select_related("user", "clinic").get(clinic=clinic, role=Role.OWNER)
    return Persona(member.user, member)


@pytest.fixture
def practitioner(clinic: Clinic) -> Persona:
    return add_member(clinic, "pat@stillwater.test", Role.PRACTITIONER, "Pat Practitioner")


@pytest.fixture
def front_desk(clinic: Clinic) -> Persona:
    return add_member(clinic, "fran@stillwater.test", Role.FRONT_DESK, "Fran Frontdesk")


@pytest.fixture
def outsider(db: Any) -> Persona:
    user = make_user("owen@elsewhere.test", "Owen Outsider")
    other = create_clinic(name="Elsewhere Clinic", time_zone="America/New_York", owner=user)
    return Persona(user, Membership.objects.get(clinic=other, user=user))


@pytest.fixture
def a_client(owner: Persona) -> Client:
    return Client.objects.create(
        clinic=owner.clinic,
        first_name="Ada",
        last_name="Lovelace",
        date_of_birth=dt.date(1985, 12, 10),
        email="ada@example.test",
        presenting_concerns="Tension headaches after long screen days",
    )


class ApiClient:
    """Calls /api/v1 with a persona's personal token; returns (status, json)."""

    def __init__(self, persona: Persona) -> None:
        _token, raw = create_token(actor=persona.actor, name="pytest")
        self.http = HttpClient(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        fn: Callable[..., Any] = getattr(self.http, method.lower())
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs = {"data": json.dumps(body), "content_type": "application/json"}
        response = fn(f"/api/v1{path}", **kwargs)
        try:
            data = response.json()
        except ValueError:
            data = None
        return response.status_code, data

    def get(self, path: str) -> tuple[int, Any]:
        return self.call("GET", path)

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        return self.call("POST", path, body)

    def patch(self, path: str, body: Any) -> tuple[int, Any]:
        return self.call("PATCH", path, body)


@pytest.fixture
def api() -> Callable[[Persona], ApiClient]:
    return ApiClient


@pytest.fixture
def browser_as() -> Callable[[Persona], HttpClient]:
    """A Django test client signed in as the persona (for page tests without a browser)."""

    def make(persona: Persona) -> HttpClient:
        http = HttpClient()
        http.force_login(persona.user, backend="django.contrib.auth.backends.ModelBackend")
        return http

    return make
