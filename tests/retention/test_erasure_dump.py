"""Erasing a client leaves none of their identifying values in the database, outside the
clinical record the law makes the clinic hold; when the hold ends, nothing is left at all.

The demo is seeded, the demo portal client gets distinctive details and signs in, then the
owner erases them from the page. Every row of every table (sessions, jobs, sign-in logs
included) is dumped as text and searched for each value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client as HttpClient
from django.utils import timezone

from sacrum.charting.models import NoteStatus, SessionNote
from sacrum.clients import services as client_services
from sacrum.clients.models import Client, ConsentSignature
from sacrum.kernel.actor import StaffActor
from sacrum.outcomes.models import DiaryEntry
from sacrum.portal import demo as portal_demo
from sacrum.portal.models import PortalAccount
from sacrum.retention.models import Erasure
from sacrum.scheduling.models import Appointment
from sacrum.screening.models import LetterStatus, ReferralLetter
from sacrum.web.demo import seed_demo
from sacrum.web.periodic import run_ticks

BORN = dt.date(1987, 9, 23)
NEW: dict[str, Any] = {
    "first_name": "Zephyrine",
    "last_name": "Quillfeather",
    "preferred_name": "Zephy",
    "email": "zq.erasure@example.test",
    "phone": "+44 7700 900 417",
    "address": "17 Larkspur Mews, Thornbury",
    "emergency_contact_name": "Osric Quillfeather",
    "emergency_contact_phone": "+44 7700 900 418",
    "date_of_birth": BORN,
    "presenting_concerns": "Wakes at four with a locked jaw after the harbour swim",
    "goals": "Play the cello through a whole rehearsal again",
}
DIARY_NOTE = "Migraine after the Larkspur choir practice"
DESK_NOTE = "Ring the brass bell at the side gate"

# Retained for the hold: the erased client's rows in these tables (and their child rows).
HELD_BY_CLIENT = (
    "charting_sessionnote",
    "clients_consentsignature",
    "screening_intake",
    "screening_checkin",
    "screening_clientalert",
    "screening_firing",
    "screening_referralletter",
    "plans_plan",
    "retention_erasure",
    "billing_invoice",  # made out to the client's name: kept for the hold, then replaced
)
HELD_BY_NOTE = (
    "charting_rhythmfinding",
    "charting_stillpoint",
    "charting_restriction",
    "charting_techniqueentry",
    "charting_addendum",
    "charting_sensitiveaccess",
)


def _text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def database_dump(*, except_held_of: Any = None) -> str:
    """Every row of every table as text; optionally without the rows a client's hold keeps."""
    client_id = (
        Client._meta.pk.get_db_prep_value(except_held_of, connection)
        if except_held_of is not None
        else None
    )
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            name = connection.ops.quote_name(table)
            sql, params = f"SELECT * FROM {name}", []
            if client_id is not None and table in HELD_BY_CLIENT:
                sql += " WHERE client_id <> %s"
                params = [client_id]
            elif client_id is not None and table in HELD_BY_NOTE:
                sql += " WHERE note_id NOT IN (SELECT id FROM charting_sessionnote WHERE client_id = %s)"
                params = [client_id]
            cursor.execute(sql, params)
            parts.extend(" | ".join(_text(v) for v in row) for row in cursor.fetchall())
    return "\n".join(parts)


def found(dump: str, values: list[str]) -> list[str]:
    lowered = dump.lower()
    return [v for v in values if v.lower() in lowered]


def test_erasure_leaves_nothing_outside_the_hold_and_nothing_after_it(db: Any, clock: Any) -> None:
    ctx = seed_demo(log=lambda _line: None)
    owner = ctx["members"]["owner"]
    account = PortalAccount.objects.active().get(user__email=portal_demo.EMAIL)
    client = account.client
    demo_name = f"{client.first_name} {client.last_name}"
    assert (
        not Client.objects.exclude(pk=client.pk)
        .filter(first_name=client.first_name, last_name=client.last_name)
        .exists()
    ), "the demo client's name is their own"
    actor = StaffActor(user=owner.user, member=owner, ip="127.0.0.1", user_agent="pytest")
    client = client_services.update_client(actor=actor, client=client, data=dict(NEW))
    DiaryEntry.objects.update_or_create(
        clinic=client.clinic,
        client=client,
        date=timezone.localdate() - dt.timedelta(days=1),
        defaults={"headache": True, "peak": 6, "medication": False, "note": DIARY_NOTE},
    )
    assert Appointment.objects.filter(client=client).update(front_desk_note=DESK_NOTE)
    letter = ReferralLetter(
        client=client,
        author=owner,
        status=LetterStatus.PRINTED,
        letter_date=timezone.localdate(),
        finalized_at=timezone.now(),
        recipient_name="Dr Hale",
        subject="Zephyrine Quillfeather, born 23 September 1987",
        request="Please review the jaw pain.",
        pdf_sha256="0" * 64,
    )
    letter.pdf.save("letter.pdf", ContentFile(b"%PDF-1.4 Zephyrine Quillfeather"), save=False)
    letter.save()
    stored = str(letter.pdf.name)
    assert default_storage.exists(stored)
    # The client signs in to the portal (a session, a sign-in log) and fails once.
    visitor = HttpClient()
    visitor.post("/accounts/login/", {"login": portal_demo.EMAIL, "password": "wrong"})
    assert (
        visitor.post(
            "/accounts/login/", {"login": portal_demo.EMAIL, "password": ctx["password"]}
        ).status_code
        == 302
    )
    assert visitor.get("/portal/").status_code == 200

    values = [
        demo_name,
        portal_demo.EMAIL,
        str(NEW["first_name"]),
        str(NEW["last_name"]),
        str(NEW["email"]),
        str(NEW["phone"]),
        str(NEW["address"]),
        str(NEW["emergency_contact_name"]),
        str(NEW["emergency_contact_phone"]),
        BORN.isoformat(),
        str(NEW["presenting_concerns"]),
        str(NEW["goals"]),
        DIARY_NOTE,
        DESK_NOTE,
    ]
    assert found(database_dump(), values) == values, "every value is in the database first"
    signed = SessionNote.objects.filter(client=client, status=NoteStatus.SIGNED).count()
    consents = ConsentSignature.objects.filter(client=client).count()
    assert signed and consents, "the demo client has a signed record to hold"

    staff = HttpClient()
    staff.force_login(owner.user, backend="django.contrib.auth.backends.ModelBackend")
    page = staff.post(
        f"/clients/{client.pk}/erase",
        {"reason": "client_request", "confirmation": "zephyrine quillfeather"},
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    erasure = Erasure.objects.get(client=client)

    assert found(database_dump(except_held_of=client.pk), values) == []
    # What the hold keeps, listed: the signed notes, the consent signatures, whom they are about.
    assert SessionNote.objects.filter(client=client, status=NoteStatus.SIGNED).count() == signed
    assert ConsentSignature.objects.filter(client=client).count() == consents
    assert default_storage.exists(stored), "the letter's PDF is held too"
    assert erasure.retained_name == "Zephyrine Quillfeather"
    assert erasure.retained_date_of_birth == BORN
    assert visitor.get("/portal/").status_code in (302, 403, 404), "the portal session is gone"

    clock.move_to(
        dt.datetime.combine(erasure.retained_until + dt.timedelta(days=2), dt.time(12), dt.UTC)
    )
    results = run_ticks(timezone.now())
    assert results["retention"] == {"holds_ended": 1}
    assert found(database_dump(), values) == []
    assert not SessionNote.objects.filter(client=client).exists()
    assert not ConsentSignature.objects.filter(client=client).exists()
    assert not default_storage.exists(stored), "uploaded files go with the hold"
    assert run_ticks(timezone.now())["retention"] == {}, "a second tick finds nothing to end"
