"""Property: whatever sequence of book / reschedule / cancel / status / series / waitlist
accept happens, no practitioner, room or client is ever in two active appointments that
overlap.

Each example runs inside a savepoint that is rolled back, so examples start clean.
The database rules (triggers / exclusion constraints) stay on: the service must
refuse before the database has to.
"""

from __future__ import annotations

import datetime as dt
from itertools import combinations
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sacrum.clients.models import Client
from sacrum.kernel.errors import Conflict
from sacrum.scheduling.models import Appointment, ServiceType
from sacrum.scheduling.models.appointments import ACTIVE_VALUES
from sacrum.scheduling.services import booking
from sacrum.scheduling.services import series as series_services
from sacrum.waitlist import offers as waitlist_offers
from sacrum.waitlist import services as waitlist_services
from sacrum.waitlist.matching import scan
from sacrum.waitlist.models import OfferStatus, WaitlistOffer
from tests.scheduling.conftest import at


class Rollback(Exception):
    pass


times = st.sampled_from([f"{h:02}:{m:02}" for h in range(9, 16) for m in (0, 15, 30, 45)])
book_op = st.tuples(
    st.just("book"),
    st.integers(0, 1),
    st.integers(0, 2),
    st.integers(0, 2),
    st.integers(0, 2),
    times,
)
move_op = st.tuples(
    st.just("move"), st.integers(0, 30), st.integers(0, 1), st.integers(0, 2), times
)
cancel_op = st.tuples(st.just("cancel"), st.integers(0, 30))
confirm_op = st.tuples(st.just("confirm"), st.integers(0, 30))
series_op = st.tuples(st.just("series"), st.integers(0, 1), st.integers(0, 2), times)
waitlist_op = st.tuples(st.just("waitlist"), st.integers(0, 2), st.integers(0, 2))
operations = st.lists(
    st.one_of(book_op, move_op, cancel_op, confirm_op, series_op, waitlist_op),
    min_size=1,
    max_size=14,
)


def assert_no_overlap() -> None:
    active = list(Appointment.objects.filter(status__in=ACTIVE_VALUES))
    for a, b in combinations(active, 2):
        if a.blocked_start < b.blocked_end and b.blocked_start < a.blocked_end:
            assert a.practitioner_id != b.practitioner_id, (a, b)
            assert a.client_id != b.client_id, (a, b)
            assert a.room_id is None or a.room_id != b.room_id, (a, b)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_no_sequence_of_operations_leaves_an_overlap(
    ops: list[tuple[Any, ...]],
    owner: Any,
    practitioner: Any,
    service: ServiceType,
    location: Any,
    rooms: list[Any],
    hours: None,
    monday: dt.date,
    a_client: Client,
    second_client: Client,
) -> None:
    people = [practitioner.member, owner.member]
    third = Client.objects.get_or_create(
        clinic=owner.clinic,
        first_name="Third",
        last_name="Client",
        defaults={"date_of_birth": dt.date(1970, 1, 1)},
    )[0]
    clients = [a_client, second_client, third]
    room_choices = [None, *rooms]
    days = [monday, monday + dt.timedelta(days=1), monday + dt.timedelta(days=7)]
    try:
        with transaction.atomic():
            for op in ops:
                try:
                    run(op, owner, people, clients, room_choices, days, service, location)
                    event(f"{op[0]}: done")
                except (Conflict, ValidationError, waitlist_offers.OfferUnavailable) as exc:
                    event(f"{op[0]}: refused ({type(exc).__name__})")
                assert_no_overlap()
            raise Rollback
    except Rollback:
        pass


def run(
    op: tuple[Any, ...],
    owner: Any,
    people: list[Any],
    clients: list[Client],
    room_choices: list[Any],
    days: list[dt.date],
    service: ServiceType,
    location: Any,
) -> None:
    existing = list(Appointment.objects.order_by("created_at", "id"))
    kind = op[0]
    if kind == "book":
        _, who, whom, room, day, hhmm = op
        booking.book(
            actor=owner.actor,
            booking=booking.Booking(
                client=clients[whom],
                practitioner=people[who],
                service=service,
                location=location,
                start=at(days[day], hhmm),
                room=room_choices[room],
            ),
        )
    elif kind == "series":
        _, who, whom, hhmm = op
        request = series_services.SeriesRequest(
            client=clients[whom],
            practitioner=people[who],
            service=service,
            location=location,
            first_date=days[0],
            local_time=dt.time.fromisoformat(hhmm),
            phases=[{"rule": "weekly", "count": 3}],
        )
        _plan, occurrences = series_services.plan_series(actor=owner.actor, request=request)
        series_services.create_series(
            actor=owner.actor,
            request=request,
            starts=[o.start for o in occurrences if o.free] or None,
        )
    elif kind == "waitlist":
        _, whom, day = op
        accept_from_waitlist(owner, clients[whom], service, location, days[day])
    elif existing:
        target = existing[op[1] % len(existing)]
        if kind == "move":
            _, _i, who, day, hhmm = op
            booking.reschedule(
                actor=owner.actor,
                appointment=target,
                start=at(days[day], hhmm),
                practitioner=people[who],
            )
        elif kind == "cancel":
            booking.cancel(actor=owner.actor, appointment=target)
        else:
            booking.change_status(actor=owner.actor, appointment=target, status="confirmed")


def accept_from_waitlist(
    owner: Any, client: Client, service: ServiceType, location: Any, day: dt.date
) -> None:
    """The client waits for a day, free time is offered to them, and they accept it."""
    if not client.email:
        client.email = f"{client.pk}@example.test"
        client.save(update_fields=["email"])
    entry = waitlist_services.add_entry(
        actor=owner.actor,
        wish=waitlist_services.Wish(
            client=client, service=service, location=location, earliest_date=day, latest_date=day
        ),
    )
    scan(timezone.now(), entry_ids=[entry.pk])  # on_commit never fires inside the test
    for offer in WaitlistOffer.objects.filter(entry=entry, status=OfferStatus.OFFERED):
        waitlist_offers.accept(offer=offer)
        event("waitlist: an offer accepted and booked")
