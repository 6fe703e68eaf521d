"""Portal fixtures: two clients of Stillwater, each with a full record, and a signed-in
portal login for the first (Ada). Bea's rows exist so every isolation test has another
client's data to fail to see."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client as HttpClient
from django.utils import timezone

from sacrum.access.models import User
from sacrum.clients import consent
from sacrum.clients.models import Client
from sacrum.clinics.models import Location
from sacrum.kernel.actor import Actor
from sacrum.outcomes import services as outcome_services
from sacrum.outcomes.models import DiaryEntry, InstrumentDefinition
from sacrum.portal import services
from sacrum.portal.models import PortalAccount
from sacrum.scheduling.models import Appointment, ServiceType
from sacrum.screening import services as screening_services
from sacrum.screening.demo import _quiet
from sacrum.screening.models import Channel, LetterStatus, ReferralLetter
from sacrum.screening.questions import INTAKE
from tests.access.objects import keep_uploads_in
from tests.conftest import PASSWORD, Persona
from tests.emails import emailed_token

LINK = Actor(user=None, member=None, ip="192.0.2.1", user_agent="pytest", via="link")


@dataclass
class Person:
    client: Client
    appointment_ahead: Appointment
    appointment_past: Appointment
    letter: ReferralLetter
    draft: ReferralLetter


def _client(owner: Persona, first: str, last: str, email: str) -> Client:
    return Client.objects.create(
        clinic=owner.clinic,
        first_name=first,
        last_name=last,
        date_of_birth=dt.date(1985, 12, 10),
        email=email,
        presenting_concerns=f"{first}'s own words about headaches",
        physician_name=f"Dr {last} GP",
    )


def _letter(client: Client, author: Any, status: str, subject: str) -> ReferralLetter:
    letter = ReferralLetter(
        client=client,
        author=author,
        letter_date=timezone.localdate(),
        recipient_name="Dr Helen Price",
        recipient_practice="Harbour Surgery",
        subject=subject,
        request="Please review.",
    )
    if status != LetterStatus.DRAFT:
        body = b"%PDF-1.4\n% " + subject.encode() + b"\n%%EOF\n"
        letter.status = status
        letter.finalized_at = timezone.now()
        letter.sent_to = "gp@example.test"
        letter.pdf_sha256 = hashlib.sha256(body).hexdigest()
        letter.pdf.save("letter.pdf", ContentFile(body), save=False)
    letter.save()
    return letter


def make_person(
    owner: Persona, practitioner: Persona, first: str, last: str, email: str, offset: int
) -> Person:
    client = _client(owner, first, last, email)
    clinic = owner.clinic
    location, _ = Location.objects.get_or_create(
        clinic=clinic, name="Harbour Road", defaults={"time_zone": "Europe/London"}
    )
    service, _ = ServiceType.objects.get_or_create(
        clinic=clinic, name="Craniosacral session", defaults={"duration_minutes": 50}
    )
    consent.install_default_text(clinic.pk)
    text = consent.current_text(clinic.pk)
    assert text is not None
    consent.store_signature(
        actor=LINK, client=client, text=text, typed_name=f"{first} {last}", agreed=True, via="link"
    )
    answers = _quiet(INTAKE, True) | {"other_conditions": f"{first} secret history note"}
    screening_services._store_intake(actor=LINK, client=client, answers=answers, via=Channel.LINK)

    def visit(days: int, status: str) -> Appointment:
        start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days, hours=offset)
        return Appointment.objects.create(
            clinic=clinic,
            client=client,
            practitioner=practitioner.member,
            service=service,
            location=location,
            start=start,
            end=start + dt.timedelta(minutes=50),
            blocked_start=start,
            blocked_end=start + dt.timedelta(minutes=50),
            status=status,
        )

    past = visit(-20, "completed")
    ahead = visit(7, "booked")
    outcome_services.ensure_definitions(clinic)
    pain = InstrumentDefinition.objects.get(clinic=clinic, key="pain-nrs")
    for days, value in ((40, 7), (33, 7), (26, 8), (12, 5), (5, 3)):
        outcome_services.record_response(
            actor=practitioner.actor,
            client=client,
            definition=pain,
            answers={"pain": value},
            completed_at=timezone.now() - dt.timedelta(days=days),
            occasion="baseline" if days == 40 else "session",
            condition="neck-pain",
        )
    DiaryEntry.objects.create(
        clinic=clinic,
        client=client,
        date=timezone.localdate() - dt.timedelta(days=2),
        headache=True,
        peak=6,
        medication=False,
        note=f"{first} diary note",
    )
    letter = _letter(client, practitioner.member, LetterStatus.SENT, f"About {first} {last}")
    draft = _letter(client, practitioner.member, LetterStatus.DRAFT, f"Draft about {first}")
    return Person(client, ahead, past, letter, draft)


@pytest.fixture
def uploads(settings: Any, tmp_path: Path) -> Path:
    keep_uploads_in(settings, tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def ada(owner: Persona, practitioner: Persona, uploads: Path) -> Person:
    return make_person(owner, practitioner, "Ada", "Lovelace", "ada@example.test", 0)


@pytest.fixture
def bea(owner: Persona, practitioner: Persona, uploads: Path) -> Person:
    return make_person(owner, practitioner, "Bea", "Byron", "bea@example.test", 2)


def give_portal(owner: Persona, client: Client) -> PortalAccount:
    """Invite and accept with a new login (as the client would), returning the account."""
    services.invite(actor=owner.actor, client=client)
    found = services.find_invitation(emailed_token("/portal/join/"))
    assert found is not None
    return services.join_with_new_account(account=found, password=PASSWORD, actor=LINK)


@pytest.fixture
def ada_account(owner: Persona, ada: Person) -> PortalAccount:
    return give_portal(owner, ada.client)


@pytest.fixture
def bea_account(owner: Persona, bea: Person) -> PortalAccount:
    return give_portal(owner, bea.client)


@pytest.fixture
def as_ada(ada_account: PortalAccount) -> HttpClient:
    http = HttpClient()
    assert ada_account.user_id is not None
    user = User.objects.get(pk=ada_account.user_id)
    http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http
