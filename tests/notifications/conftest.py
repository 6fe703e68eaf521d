"""Notifications fixtures: a real local SMTP server (aiosmtpd), and appointments at any date.

Appointments are written straight to the table (with the buffers the booking service
would set) because the DST tests need dates in 2026 that are already past for the
booking service's "no past slot" rule; what these tests check is what happens after
booking: reminders and feeds.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Membership, PractitionerProfile, Room
from sacrum.scheduling.local_time import to_utc, zone
from sacrum.scheduling.models import Appointment, ServiceType
from tests.conftest import Persona


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """What the SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 Message accepted"

    def bodies(self) -> list[str]:
        return [str(m.get_body(("plain",)).get_content()) for m in self.messages]  # type: ignore[union-attr]


class SmtpServer:
    """A real SMTP server on a free port that a test can start and stop (to refuse mail)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        if self.controller is None:
            self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """Django sends through real SMTP to our server; it starts up, a test may stop it."""
    server = SmtpServer()
    server.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=server.port,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        DEFAULT_FROM_EMAIL="Stillwater <no-reply@stillwater.test>",
    ):
        yield server
    server.stop()


def local(day: str, hhmm: str, tz: str) -> dt.datetime:
    """'2026-03-30', '10:00', 'Europe/Berlin' → the aware UTC instant."""
    return to_utc(dt.date.fromisoformat(day), dt.time.fromisoformat(hhmm), zone(tz))


@pytest.fixture
def berlin(clinic: Any) -> Location:
    return Location.objects.create(
        clinic=clinic,
        name="Prenzlauer Berg",
        address_line="Kastanienallee 12",
        city="Berlin",
        time_zone="Europe/Berlin",
    )


@pytest.fixture
def new_york(clinic: Any) -> Location:
    return Location.objects.create(
        clinic=clinic, name="Brooklyn", city="New York", time_zone="America/New_York"
    )


@pytest.fixture
def service(clinic: Any, practitioner: Persona, owner: Persona) -> ServiceType:
    s = ServiceType.objects.create(
        clinic=clinic,
        name="Craniosacral session",
        duration_minutes=50,
        buffer_after_minutes=10,
        needs_room=False,
    )
    s.practitioners.set([practitioner.member, owner.member])
    return s


@pytest.fixture
def profile(practitioner: Persona) -> PractitionerProfile:
    return PractitionerProfile.objects.create(
        membership=practitioner.member, display_name="Pat Palmer", profession="osteopath"
    )


MakeAppointment = Callable[..., Appointment]


@pytest.fixture
def appointment_at(
    a_client: Client, practitioner: Persona, service: ServiceType, berlin: Location
) -> MakeAppointment:
    """Write an appointment at an instant; ``booked_at`` sets when it was booked."""

    def make(
        start: dt.datetime,
        *,
        who: Membership | None = None,
        client: Client | None = None,
        location: Location | None = None,
        room: Room | None = None,
        status: str = "booked",
        booked_at: dt.datetime | None = None,
        note: str = "",
    ) -> Appointment:
        end = start + dt.timedelta(minutes=service.duration_minutes)
        appointment = Appointment.objects.create(
            clinic=service.clinic,
            client=client or a_client,
            practitioner=who or practitioner.member,
            service=service,
            location=location or berlin,
            room=room,
            start=start,
            end=end,
            blocked_start=start,
            blocked_end=end + dt.timedelta(minutes=service.buffer_after_minutes),
            status=status,
            front_desk_note=note,
        )
        when = booked_at or start - dt.timedelta(days=30)
        Appointment.objects.filter(pk=appointment.pk).update(created_at=when)
        appointment.refresh_from_db()
        return appointment

    return make
