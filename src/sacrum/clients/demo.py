"""Demo: sixty clients with plausible details (names and numbers are invented)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sacrum.clients.models import Client

ORDER = 20

FIRST = [
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Freya",
    "Arthur",
    "Mia",
    "Leo",
    "Grace",
    "Oscar",
    "Ella",
    "Harry",
    "Sophie",
    "Jack",
    "Ruby",
    "Theo",
    "Lily",
    "Finn",
    "Chloe",
    "Samir",
    "Priya",
    "Tomasz",
    "Aisha",
    "Mateo",
    "Hannah",
    "Kofi",
    "Zara",
    "Ewan",
]
LAST = [
    "Thompson",
    "Hughes",
    "Evans",
    "Khan",
    "Walker",
    "Roberts",
    "Nowak",
    "Davies",
    "Clarke",
    "Bennett",
    "Ahmed",
    "Murphy",
    "Price",
    "Morgan",
    "Okonkwo",
    "Silva",
    "Wright",
    "Ali",
    "Turner",
    "Kowalski",
    "Harris",
    "Mensah",
    "Reid",
    "Baker",
    "Lewis",
]
PRONOUNS = ["she/her", "he/him", "she/her", "he/him", "they/them", ""]
CONCERNS = [
    "Migraines two or three times a month, usually starting behind the right eye.",
    "Stiff neck and headaches after long days at the laptop.",
    "Jaw clicking and clenching at night; the dentist suggested a splint.",
    "Lower back pain since a fall last winter, worse when sitting.",
    "Poor sleep and feeling on edge since a stressful year at work.",
    "Fibromyalgia diagnosed in 2019; wants help with widespread aches and fatigue.",
    "Sinus pressure and congestion most mornings.",
    "Tension headaches most afternoons, better at weekends.",
    "Recovering from whiplash (car accident eight months ago).",
    "Anxiety and tight shoulders; a friend recommended craniosacral work.",
]


def seed(ctx: dict[str, Any]) -> str:
    clinic = ctx["clinic"]
    existing = list(Client.objects.filter(clinic=clinic))
    if existing:
        ctx["clients"] = existing
        return f"Clients: {len(existing)} already present"
    rng = random.Random(20261121)  # noqa: S311 - demo data, not security
    clients: list[Client] = []
    seen: set[tuple[str, str]] = set()
    while len(clients) < 60:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        born = dt.date(rng.randint(1948, 2006), rng.randint(1, 12), rng.randint(1, 28))
        clients.append(
            Client(
                clinic=clinic,
                first_name=first,
                last_name=last,
                pronouns=rng.choice(PRONOUNS),
                date_of_birth=born,
                email=f"{first}.{last}@mail.example".lower(),
                phone=f"+44 7700 9{rng.randint(0, 99999):05d}",
                address=f"{rng.randint(1, 120)} {rng.choice(['Park', 'Mill', 'Church', 'Station'])}"
                f" Road, {rng.choice(['Bristol', 'Bath', 'Keynsham', 'Clevedon'])}",
                presenting_concerns=rng.choice(CONCERNS),
            )
        )
    Client.objects.bulk_create(clients)
    ctx["clients"] = list(Client.objects.filter(clinic=clinic))
    return f"Clients: {len(clients)} created"
