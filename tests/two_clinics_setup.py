"""Run in a subprocess: two clinics, an owner in each, and a personal API token for each.

Prints JSON (token, e-mail, clinic) for the serving tests. The database is whatever
DATABASE_URL points at (a copied SQLite file, or pytest's PostgreSQL test database).
"""

from __future__ import annotations

import json
import os


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
    import django

    django.setup()
    from sacrum.access.models import User
    from sacrum.access.tokens import create_token
    from sacrum.clinics.models import Membership
    from sacrum.clinics.services import create_clinic
    from sacrum.kernel.actor import Actor

    people = []
    for name, email in (
        ("North clinic", "north@example.test"),
        ("South clinic", "south@example.test"),
    ):
        user = User.objects.create_user(email=email, password="x" * 12)
        clinic = create_clinic(name=name, time_zone="Europe/London", owner=user)
        member = Membership.objects.get(clinic=clinic, user=user)
        _token, raw = create_token(actor=Actor(user=user, member=member), name="serving")
        people.append({"token": raw, "email": email, "clinic_id": str(clinic.pk)})
    print(json.dumps(people))


if __name__ == "__main__":
    main()
