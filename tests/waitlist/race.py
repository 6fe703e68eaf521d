"""Three clients accept the same freed time at once; run in-process or as a subprocess.

``python -m tests.waitlist.race`` migrates the database named by ``DATABASE_URL`` (a
fresh SQLite file), builds the scenario, races the accepts and prints the outcomes
as JSON. The test runs it that way on SQLite because pytest's in-memory database
shares one cache whose locks fail at once instead of waiting as a file's do.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any


def build_scenario() -> tuple[list[str], Any]:
    """A practitioner's Monday 10:00 cancelled with three clients in line: their tokens."""
    from django.core import mail
    from django.utils import timezone

    from sacrum.access.models import User
    from sacrum.access.roles import Role
    from sacrum.clients.models import Client
    from sacrum.clinics.models import Location, Membership, Room
    from sacrum.clinics.services import create_clinic
    from sacrum.kernel.actor import StaffActor
    from sacrum.scheduling.local_time import to_utc, zone
    from sacrum.scheduling.models import ServiceType, WeeklyHours
    from sacrum.scheduling.services import booking
    from sacrum.waitlist import services
    from sacrum.waitlist.matching import scan

    owner_user = User.objects.create_user(email="race-owner@example.test", password="x-9-long-pass")
    clinic = create_clinic(name="Race Clinic", time_zone="Europe/London", owner=owner_user)
    owner = Membership.objects.get(clinic=clinic, user=owner_user)
    pat = Membership.objects.create(
        clinic=clinic,
        user=User.objects.create_user(email="race-pat@example.test", password="x-9-long-pass"),
        role=Role.PRACTITIONER,
    )
    actor = StaffActor(user=owner_user, member=owner)
    location = Location.objects.create(clinic=clinic, name="Race Road", time_zone="Europe/London")
    Room.objects.create(location=location, name="Cedar")
    service = ServiceType.objects.create(clinic=clinic, name="Session", duration_minutes=50)
    service.practitioners.set([pat])
    WeeklyHours.objects.create(
        practitioner=pat, location=location, weekday=0, start_time=dt.time(9), end_time=dt.time(17)
    )
    today = timezone.localdate()
    monday = today + dt.timedelta(days=(7 - today.weekday()) % 7 + 7)

    def client(name: str) -> Client:
        return Client.objects.create(
            clinic=clinic,
            first_name=name,
            last_name="Race",
            date_of_birth=dt.date(1980, 1, 1),
            email=f"{name.lower()}@example.test",
        )

    blocker = booking.book(
        actor=actor,
        booking=booking.Booking(
            client=client("Ada"),
            practitioner=pat,
            service=service,
            location=location,
            start=to_utc(monday, dt.time(10), zone("Europe/London")),
        ),
    )
    for name in ("Amira", "Bruno", "Chen"):
        services.add_entry(
            actor=actor,
            wish=services.Wish(
                client=client(name),
                service=service,
                location=location,
                earliest_date=monday,
                latest_date=monday,
                weekdays=(0,),
                earliest_time=dt.time(10),
                latest_time=dt.time(11),
            ),
        )
    before = len(getattr(mail, "outbox", []))
    booking.cancel(actor=actor, appointment=blocker)  # offers at once when not in a transaction
    scan(timezone.now())
    tokens = [
        line.strip().rstrip("/").rsplit("/", 1)[1]
        for message in getattr(mail, "outbox", [])[before:]
        for line in message.body.splitlines()
        if "/waitlist/offer/" in line
    ]
    return tokens, blocker


def race(tokens: list[str]) -> list[str]:
    """Accept every token at the same moment, each from its own thread and connection."""
    from django.db import connection

    from sacrum.waitlist import offers

    barrier = threading.Barrier(len(tokens))
    outcomes: list[str] = []

    def accept(raw: str) -> None:
        try:
            offer = offers.find_offer(raw)
            assert offer is not None
            barrier.wait(timeout=10)
            offers.accept(offer=offer)
            outcomes.append("booked")
        except offers.OfferUnavailable as exc:
            outcomes.append(exc.reason)
        except Exception as exc:  # reported to the test
            outcomes.append(f"error: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(raw,)) for raw in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def count(blocker: Any) -> dict[str, int]:
    from sacrum.scheduling.models import Appointment
    from sacrum.waitlist.models import OfferStatus, WaitlistOffer

    return {
        "booked": Appointment.objects.filter(start=blocker.start, status="booked").count(),
        "accepted": WaitlistOffer.objects.filter(status=OfferStatus.ACCEPTED).count(),
        "gone": WaitlistOffer.objects.filter(status=OfferStatus.GONE).count(),
    }


def main() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    call_command("migrate", verbosity=0)
    tokens, blocker = build_scenario()
    outcomes = race(tokens)
    print(json.dumps({"outcomes": outcomes, **count(blocker)}))


if __name__ == "__main__":
    main()
