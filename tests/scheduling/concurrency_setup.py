"""Run in a subprocess: a clinic, a practitioner with hours, 20 clients and an API token.

Prints JSON with the ids the concurrency test sends. The database is whatever
DATABASE_URL points at (a fresh SQLite file, or pytest's PostgreSQL test database).
"""

from __future__ import annotations

import datetime as dt
import json
import os


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
    import django

    django.setup()
    from django.utils import timezone

    from sacrum.access.models import User
    from sacrum.access.roles import Role
    from sacrum.access.tokens import create_token
    from sacrum.clients.models import Client
    from sacrum.clinics.models import Location, Membership, Room
    from sacrum.clinics.services import create_clinic
    from sacrum.kernel.actor import Actor
    from sacrum.scheduling.models import ServiceType, WeeklyHours

    owner = User.objects.create_user(email="race-owner@example.test", password="x" * 12)
    clinic = create_clinic(name="Race clinic", time_zone="Europe/London", owner=owner)
    member = Membership.objects.get(clinic=clinic, user=owner)
    pat = User.objects.create_user(email="race-pat@example.test", password="x" * 12)
    practitioner = Membership.objects.create(clinic=clinic, user=pat, role=Role.PRACTITIONER)
    location = Location.objects.create(clinic=clinic, name="Main", time_zone="Europe/London")
    for name in ("A", "B"):
        Room.objects.create(location=location, name=name)
    service = ServiceType.objects.create(
        clinic=clinic, name="Session", duration_minutes=60, buffer_after_minutes=0, needs_room=True
    )
    service.practitioners.set([practitioner])
    for weekday in range(7):
        WeeklyHours.objects.create(
            practitioner=practitioner,
            location=location,
            weekday=weekday,
            start_time=dt.time(8),
            end_time=dt.time(18),
        )
    clients = [
        Client.objects.create(
            clinic=clinic, first_name="C", last_name=str(i), date_of_birth=dt.date(1990, 1, 1)
        )
        for i in range(20)
    ]
    _token, raw = create_token(actor=Actor(user=owner, member=member), name="race")
    day = timezone.localdate() + dt.timedelta(days=7)
    print(
        json.dumps(
            {
                "token": raw,
                "practitioner": str(practitioner.pk),
                "service": str(service.pk),
                "location": str(location.pk),
                "clients": [str(c.pk) for c in clients],
                "day": day.isoformat(),
            }
        )
    )


if __name__ == "__main__":
    main()
