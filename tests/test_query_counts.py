"""A page or API read asks the database the same number of questions whatever a client's
history.

Every staff page is discovered from the URL resolver (as the no-store walk does), opened
as a practitioner and as the owner, and its queries counted. Then the clients behind those
pages get a history (more signed notes, more appointments) and every page is counted again.
A page whose count grew asks a question per note or per appointment: it would get slower
with every visit a client makes, which is exactly the page a practitioner opens most. The
API's GET operations (from the OpenAPI schema) are counted the same way.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.utils import timezone

from sacrum.billing import services as billing
from sacrum.billing.models import Fee, FeeKind
from sacrum.clients.models import Client
from sacrum.directory import limits
from sacrum.scheduling.local_time import to_utc, zone
from sacrum.scheduling.models import AppointmentStatus, WeeklyHours
from sacrum.scheduling.services import booking
from tests.access.objects import Stillwater, keep_uploads_in
from tests.access.routes import api_operations, build_request
from tests.access.test_no_store import NOT_A_TOKEN, Walk, all_pages, page_urls
from tests.billing.conftest import location, make_appointment, service  # noqa: F401  (fixtures)
from tests.charting.objects import signed
from tests.conftest import Persona

HISTORY = 4  # visits added; a page with a per-visit query grows by at least this much


def _queries(http: HttpClient, url: str) -> tuple[int, int]:
    """(status, queries) of the second GET: the first may set up defaults a page needs.

    The directory's rate limit adds its per-process counts to the shared cache on an
    address's first request and every tenth; forgotten here, so that the warm-up is
    always the first and the measured GET never a tenth left over from earlier tests."""
    limits.reset()
    http.get(url)
    seen: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status = http.get(url).status_code
    return status, len(seen)


def _grow(w: Stillwater, client: Client, first_day: dt.date) -> None:
    """Signed notes and booked appointments for ``client``, by Stillwater's practitioner."""
    for n in range(HISTORY):
        signed(w.practitioner, client, complaint=f"Visit {n}")
        booking.book(
            actor=w.owner.actor,
            booking=booking.Booking(
                client=client,
                practitioner=w.practitioner.member,
                service=w.object("service_id"),  # type: ignore[arg-type]
                location=w.object("location_id"),  # type: ignore[arg-type]
                start=to_utc(first_day + dt.timedelta(days=n), dt.time(15), zone("Europe/London")),
            ),
        )


@pytest.fixture
def stillwater(
    owner: Persona, practitioner: Persona, front_desk: Persona, settings: Any, tmp_path: Path
) -> Stillwater:
    keep_uploads_in(settings, tmp_path / "uploads")
    return Stillwater(owner, practitioner, front_desk)


def test_no_page_asks_more_questions_for_a_longer_history(
    stillwater: Stillwater,
    owner: Persona,
    practitioner: Persona,
    api: Any,
    browser_as: Any,
) -> None:
    w = stillwater
    pages = [p for p in all_pages() if not p.name.startswith("web:portal_")]
    urls = page_urls(w, pages, Walk(), api(practitioner).http)
    # Staff pages that show an object of the clinic (tokens and public pages are elsewhere).
    wanted = [
        (page, url)
        for page, url in zip(pages, urls, strict=True)
        if NOT_A_TOKEN not in url and "token" not in page.kwargs
    ]
    # The walk's own client and the charting client (whose notes the note pages show).
    w.object("note_id")
    clients = [w.object("client_id"), w.made()["_chart_client"]]
    sessions = {"practitioner": browser_as(practitioner), "owner": browser_as(owner)}
    # The API's reads too, as the practitioner (token): lists and single objects.
    reads = [
        (op, build_request(op, w).url)
        for op in api_operations()
        if op.method == "get" and not op.path.startswith("/api/v1/portal/")
    ]
    token_http = api(practitioner).http

    # History exists before the first count (a first note adds the questions about "the
    # previous note", once); then it doubles, and no count may move.
    w.object("hours_id")
    counts = []
    for week in (10, 12):  # after the walk's closures and time off
        monday = _next_monday_after(7 * week)
        for n, client in enumerate(clients):
            _grow(w, client, monday + dt.timedelta(days=7 * n))  # type: ignore[arg-type]
        counts.append(
            {
                (role, str(page)): _queries(http, url)
                for role, http in sessions.items()
                for page, url in wanted
            }
            | {("api", str(op)): _queries(token_http, url) for op, url in reads}
        )
    before, after = counts
    answered = [key for key, (status, _n) in before.items() if status == 200]
    assert sum(role != "api" for role, _p in answered) >= 60, "too few pages answered"
    assert sum(role == "api" for role, _p in answered) >= 60, "too few API reads answered"
    grew = {
        f"{role} {page}": f"{before[role, page][1]} -> {after[role, page][1]} queries"
        for role, page in answered
        if after[role, page][0] == 200 and after[role, page][1] > before[role, page][1]
    }
    assert grew == {}, "\n".join(f"{k}: {v}" for k, v in grew.items())


def _next_monday_after(days: int) -> dt.date:
    start = timezone.localdate() + dt.timedelta(days=days)
    return start + dt.timedelta(days=(7 - start.weekday()) % 7)


def test_the_billing_reports_ask_as_many_questions_for_more_invoices(
    owner: Persona,
    front_desk: Persona,
    browser_as: Any,
    service: Any,  # noqa: F811
    location: Any,  # noqa: F811
) -> None:
    """The reports page sums in the database: more invoices, payments, credit notes,
    no-shows and fees leave its number of queries where it was."""
    billing.update_settings(actor=owner.actor, data={"default_tax_rate": Decimal("20")})
    for weekday in range(5):
        WeeklyHours.objects.create(
            practitioner=owner.member,
            location=location,
            weekday=weekday,
            start_time=dt.time(9),
            end_time=dt.time(17),
        )
    made = [0]

    def more(n: int) -> None:
        for _ in range(n):
            made[0] += 1
            client = Client.objects.create(
                clinic=owner.clinic,
                first_name="Client",
                last_name=str(made[0]),
                date_of_birth=dt.date(1980, 1, 1),
            )
            day = dt.date(2026, 6, 1 + made[0] % 9)
            visit = make_appointment(owner, client, service, location, day=day)
            invoice = billing.issue(
                actor=owner.actor,
                invoice=billing.invoice_for_appointment(actor=owner.actor, appointment=visit),
            )
            billing.record_payment(
                actor=owner.actor,
                client=client,
                payment=billing.PaymentInput(amount=Decimal("30"), method="cash", invoice=invoice),
            )
            billing.credit_note(actor=owner.actor, invoice=invoice, reason="Shorter")
            missed = make_appointment(
                owner, client, service, location, day=day, status=AppointmentStatus.NO_SHOW
            )
            for moment in ("start", "end", "blocked_start", "blocked_end"):
                setattr(missed, moment, getattr(missed, moment) + dt.timedelta(hours=2))
            missed.save()
            Fee.objects.create(
                clinic=owner.clinic,
                client=client,
                appointment=missed,
                kind=FeeKind.NO_SHOW,
                amount=Decimal("40"),
            )

    counts = []
    for n in (2, 4):
        more(n)
        counts.append(
            {
                who: _queries(browser_as(persona), "/billing/reports")
                for who, persona in (("owner", owner), ("front desk", front_desk))
            }
        )
    assert all(status == 200 for status, _n in counts[0].values())
    assert counts[0] == counts[1], counts
