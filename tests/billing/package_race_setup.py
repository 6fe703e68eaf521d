"""Run in a subprocess: a clinic, two clients with packages and arrived appointments, a token.

Ada: a 5-credit package and one appointment (completed 20 times at once: one credit).
Bea: a 2-credit package and 6 appointments (completed at once: exactly two credits).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
    import django

    django.setup()
    from django.utils import timezone

    from sacrum.access.models import User
    from sacrum.access.tokens import create_token
    from sacrum.billing import packages
    from sacrum.clients.models import Client
    from sacrum.clinics.models import Location, Membership
    from sacrum.clinics.services import create_clinic
    from sacrum.kernel.actor import Actor
    from sacrum.scheduling.models import Appointment, ServiceType

    owner = User.objects.create_user(email="pkg-owner@example.test", password="x" * 12)
    clinic = create_clinic(name="Package race clinic", time_zone="Europe/London", owner=owner)
    member = Membership.objects.get(clinic=clinic, user=owner)
    actor = Actor.system(member)
    location = Location.objects.create(clinic=clinic, name="Main", time_zone="Europe/London")
    service = ServiceType.objects.create(
        clinic=clinic, name="Session", duration_minutes=30, price=Decimal("60")
    )

    def client(name: str) -> Client:
        return Client.objects.create(
            clinic=clinic, first_name=name, last_name="Race", date_of_birth=dt.date(1990, 1, 1)
        )

    def package(name: str, sessions: int) -> object:
        return packages.create_package_type(
            actor=actor,
            data={"name": name, "sessions": sessions, "price": Decimal("1"), "valid_days": 30},
            service_ids=[service.pk],
        )

    now = timezone.now().replace(microsecond=0)

    def arrived(who: Client, hours_ago: int) -> str:
        start = now - dt.timedelta(hours=hours_ago)
        end = start + dt.timedelta(minutes=30)
        row = Appointment.objects.create(
            clinic=clinic,
            client=who,
            practitioner=member,
            service=service,
            location=location,
            start=start,
            end=end,
            blocked_start=start,
            blocked_end=end,
            status="arrived",
        )
        return str(row.pk)

    ada, bea = client("Ada"), client("Bea")
    packages.sell(actor=actor, client=ada, package_type=package("Five", 5))  # type: ignore[arg-type]
    packages.sell(actor=actor, client=bea, package_type=package("Two", 2))  # type: ignore[arg-type]
    ada_visit = arrived(ada, 1)
    bea_visits = [arrived(bea, 2 + hours) for hours in range(6)]
    _token, raw = create_token(actor=Actor(user=owner, member=member), name="race")
    print(
        json.dumps(
            {
                "token": raw,
                "ada": str(ada.pk),
                "bea": str(bea.pk),
                "ada_visit": ada_visit,
                "bea_visits": bea_visits,
            }
        )
    )


if __name__ == "__main__":
    main()
