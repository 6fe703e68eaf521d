"""Demo: one client with a portal login, so the demo shows the client's side too.

Picks a client who has upcoming visits, a signed consent, intake answers and outcome
curves (the diary if any has one), and links the login ``client@stillwater.example``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from sacrum.access.models import User
from sacrum.clients.models import Client
from sacrum.kernel import capabilities
from sacrum.portal.models import PortalAccount

ORDER = 60
EMAIL = "client@stillwater.example"


def _pick(clinic: Any) -> Client | None:
    now = timezone.now()
    candidates = (
        Client.objects.filter(clinic=clinic, archived=False)
        .annotate(
            n_ahead=Count("appointments", filter=Q(appointments__start__gt=now), distinct=True),
            n_measures=Count("outcome_summaries", distinct=True),
            n_diary=Count(
                "outcome_summaries",
                filter=Q(outcome_summaries__instrument_key="headache-diary"),
                distinct=True,
            ),
            n_signed=Count("consent_signatures", distinct=True),
            n_intakes=Count("intakes", distinct=True),
        )
        .filter(n_ahead__gt=0, n_measures__gt=0, n_signed__gt=0, n_intakes__gt=0)
        .order_by("-n_diary", "-n_measures", "last_name", "first_name")
    )
    return candidates.first() or Client.objects.filter(clinic=clinic).order_by("last_name").first()


def seed(ctx: dict[str, Any]) -> str:
    clinic = ctx["clinic"]
    ctx["logins"].append(("Client (portal)", EMAIL))
    existing = PortalAccount.objects.active().filter(clinic=clinic, user__email=EMAIL).first()
    if existing is not None:
        return f"Portal: {EMAIL} already opens {existing.client.full_name}'s page."
    client = _pick(clinic)
    if client is None:
        return "Portal: no client to give a login."
    user = User.objects.filter(email=EMAIL).first()
    if user is None:
        user = User.objects.create_user(
            email=EMAIL,
            password=ctx["password"],
            full_name=f"{client.first_name} {client.last_name}",
        )
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(
            user=user, email=EMAIL, defaults={"verified": True, "primary": True}
        )
    now = timezone.now()
    PortalAccount.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=now)
    PortalAccount.objects.create(
        clinic=clinic,
        client=client,
        user=user,
        email=EMAIL,
        token_digest=capabilities.placeholder(),  # never e-mailed; already used
        token_expires_at=now + dt.timedelta(days=1),
        token_used_at=now,
        activated_at=now,
    )
    return f"Portal: {EMAIL} opens {client.full_name}'s own page."
