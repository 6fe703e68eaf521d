"""One object of every kind in the Stillwater clinic, looked up by the id name routes use.

The permission matrix and the bad-input tests discover routes on their own and fill
each ``{..._id}`` from here. A new capability whose routes use a new id name needs a
factory in ``FACTORIES``; until then those tests fail and say so, so no route escapes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from sacrum.access.tokens import create_token
from sacrum.clients import services as client_services
from sacrum.clinics import services as clinic_services
from tests.billing.objects import FACTORIES as BILLING_FACTORIES
from tests.charting.objects import FACTORIES as CHARTING_FACTORIES
from tests.clients.objects import FACTORIES as CONSENT_FACTORIES
from tests.exports.objects import FACTORIES as EXPORT_FACTORIES
from tests.imports.objects import FACTORIES as IMPORT_FACTORIES
from tests.notifications.objects import FACTORIES as NOTIFICATION_FACTORIES
from tests.outcomes.objects import FACTORIES as OUTCOME_FACTORIES
from tests.plans.objects import FACTORIES as PLAN_FACTORIES
from tests.portal.objects import FACTORIES as PORTAL_FACTORIES
from tests.scheduling.objects import FACTORIES as SCHEDULING_FACTORIES
from tests.screening.objects import FACTORIES as SCREENING_FACTORIES
from tests.waitlist.objects import FACTORIES as WAITLIST_FACTORIES

if TYPE_CHECKING:
    from tests.conftest import Persona


class Stillwater:
    """Creates each kind of object on first use and keeps it, so a test makes only what it needs."""

    def __init__(self, owner: Persona, practitioner: Persona, front_desk: Persona) -> None:
        self.owner = owner
        self.practitioner = practitioner
        self.front_desk = front_desk
        self._made: dict[str, models.Model] = {}

    def known(self, name: str) -> bool:
        return name in FACTORIES

    def object(self, name: str, where: str = "") -> models.Model:
        if name not in FACTORIES:
            pytest.fail(
                f"No factory for the id parameter {name!r}{f' (in {where})' if where else ''}. "
                "Add one to FACTORIES in tests/access/objects.py so the permission matrix "
                "and the bad-input tests cover the new routes.",
                pytrace=False,
            )
        if name not in self._made:
            self._made[name] = FACTORIES[name](self)
        return self._made[name]

    def id(self, name: str, where: str = "") -> str:
        return str(self.object(name, where).pk)

    def made(self) -> dict[str, models.Model]:
        return dict(self._made)


def keep_uploads_in(settings: Any, folder: Path) -> None:
    """Uploaded files (credential evidence) go to the test's own folder, not the data dir."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "base_url": "/nowhere/"},
        },
    }


def _client(w: Stillwater) -> models.Model:
    return client_services.create_client(
        actor=w.owner.actor,
        data={
            "first_name": "Beatrix",
            "last_name": "Quill",
            "date_of_birth": dt.date(1979, 4, 2),
            "email": "beatrix@example.test",
            "presenting_concerns": "Jaw tension since a dental procedure",
        },
    )


def _location(w: Stillwater) -> models.Model:
    return clinic_services.create_location(
        actor=w.owner.actor, data={"name": "Harbour Road", "time_zone": "Europe/London"}
    )


def _room(w: Stillwater) -> models.Model:
    location = w.object("location_id")
    return clinic_services.create_room(
        actor=w.owner.actor,
        location=location,  # type: ignore[arg-type]
        data={"name": "Garden room"},
    )


def _membership(w: Stillwater) -> models.Model:
    return w.practitioner.member


def _invitation(w: Stillwater) -> models.Model:
    invitation = clinic_services.invite(
        actor=w.owner.actor, email="new.colleague@example.test", role="practitioner"
    )
    return invitation


def _profile(w: Stillwater) -> models.Model:
    return clinic_services.save_profile(
        actor=w.practitioner.actor,
        member=w.practitioner.member,
        data={"display_name": "Pat P.", "profession": "osteopath"},
    )


def _credential(w: Stillwater) -> models.Model:
    return clinic_services.add_credential(
        actor=w.practitioner.actor,
        profile=w.object("profile_id"),  # type: ignore[arg-type]
        data={
            "issuing_body": "Upledger Institute",
            "title": "CranioSacral Therapy",
            "issued_on": dt.date(2019, 5, 1),
        },
        evidence=SimpleUploadedFile("certificate.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    )


def _token(w: Stillwater) -> models.Model:
    token, _raw = create_token(actor=w.practitioner.actor, name="Pat's laptop")
    return token


FACTORIES: dict[str, Callable[[Stillwater], models.Model]] = {
    "client_id": _client,
    "location_id": _location,
    "room_id": _room,
    "membership_id": _membership,
    "invitation_id": _invitation,
    "profile_id": _profile,
    "credential_id": _credential,
    "token_id": _token,
    **SCHEDULING_FACTORIES,
    **OUTCOME_FACTORIES,
    **SCREENING_FACTORIES,
    **CONSENT_FACTORIES,
    **PLAN_FACTORIES,
    **CHARTING_FACTORIES,
    **NOTIFICATION_FACTORIES,
    **PORTAL_FACTORIES,
    **WAITLIST_FACTORIES,
    **BILLING_FACTORIES,
    **EXPORT_FACTORIES,
    **IMPORT_FACTORIES,
}
