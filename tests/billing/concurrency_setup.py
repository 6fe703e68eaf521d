"""Run in a subprocess: a clinic with 50 draft invoices and an API token; prints their ids."""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sacrum.settings")
    import django

    django.setup()
    from sacrum.access.models import User
    from sacrum.access.roles import Role
    from sacrum.access.tokens import create_token
    from sacrum.billing import services
    from sacrum.clients.models import Client
    from sacrum.clinics.models import Membership
    from sacrum.clinics.services import create_clinic
    from sacrum.kernel.actor import Actor

    owner = User.objects.create_user(email="bill-owner@example.test", password="x" * 12)
    clinic = create_clinic(name="Billing race clinic", time_zone="Europe/London", owner=owner)
    desk_user = User.objects.create_user(email="bill-desk@example.test", password="x" * 12)
    desk = Membership.objects.create(clinic=clinic, user=desk_user, role=Role.FRONT_DESK)
    actor = Actor.system(desk)
    client = Client.objects.create(
        clinic=clinic, first_name="Ada", last_name="Race", date_of_birth=dt.date(1990, 1, 1)
    )
    drafts = [
        services.create_invoice(
            actor=actor,
            client=client,
            lines=[services.LineInput(description=f"Session {i}", unit_price=Decimal("60"))],
        )
        for i in range(50)
    ]
    _token, raw = create_token(actor=Actor(user=desk_user, member=desk), name="race")
    print(json.dumps({"token": raw, "drafts": [str(d.pk) for d in drafts]}))


if __name__ == "__main__":
    main()
