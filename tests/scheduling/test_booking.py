"""The one booking door: validation (422), overlaps (409), history, status life cycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sacrum.access.models import AuditEntry
from sacrum.clients.models import Client
from sacrum.clinics.models import Location, Room
from sacrum.kernel.errors import Conflict
from sacrum.scheduling.models import Appointment, AppointmentChange, ServiceType, TimeOff
from sacrum.scheduling.services.booking import (
    Booking,
    book,
    cancel,
    change_status,
    reschedule,
)
from tests.conftest import Persona
from tests.scheduling.conftest import at


def test_book_sets_buffers_picks_a_room_and_audits(
    booked: Callable[..., Appointment], owner: Persona
) -> None:
    before = AuditEntry.objects.count()
    appt = booked("10:00")
    assert appt.end - appt.start == dt.timedelta(minutes=50)
    assert appt.blocked_end - appt.end == dt.timedelta(minutes=10)
    assert appt.room is not None and appt.room.name == "Cedar"
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.latest("id").object_id == str(appt.pk)


def test_practitioner_overlap_is_a_conflict_naming_them(
    booked: Callable[..., Appointment], second_client: Client
) -> None:
    booked("10:00")
    with pytest.raises(Conflict) as err:
        booked("10:30", client=second_client)
    assert "practitioner" in err.value.fields
    assert "Pat Practitioner already has an appointment" in err.value.message
    assert Appointment.objects.count() == 1


def test_buffer_after_is_kept_free(
    booked: Callable[..., Appointment], second_client: Client, monday: dt.date
) -> None:
    booked("10:00")  # 10:00-10:50, blocked until 11:00
    with pytest.raises(Conflict):
        booked("10:55", client=second_client)
    assert booked("11:00", client=second_client).start == at(monday, "11:00")


def test_room_overlap_and_automatic_room(
    booked: Callable[..., Appointment], owner: Persona, second_client: Client, rooms: list[Room]
) -> None:
    first = booked("10:00", room=rooms[0])
    with pytest.raises(Conflict) as err:
        booked("10:00", who=owner, client=second_client, room=rooms[0])
    assert set(err.value.fields) == {"room"}
    other = booked("10:00", who=owner, client=second_client)
    assert other.room == rooms[1] and first.room == rooms[0]
    third_client = second_client.__class__.objects.create(
        clinic=second_client.clinic,
        first_name="Alan",
        last_name="Turing",
        date_of_birth=dt.date(1912, 6, 23),
    )
    from tests.conftest import add_member

    extra = add_member(owner.clinic, "kim@stillwater.test", "practitioner", "Kim")
    ServiceType.objects.get().practitioners.add(extra.member)
    from tests.scheduling.conftest import give_hours

    give_hours(extra.member, first.location)
    with pytest.raises(Conflict) as err:
        booked("10:15", who=extra, client=third_client)
    assert "No room is free" in err.value.message


def test_client_cannot_be_in_two_places(booked: Callable[..., Appointment], owner: Persona) -> None:
    booked("10:00")
    with pytest.raises(Conflict) as err:
        booked("10:00", who=owner)
    assert set(err.value.fields) == {"client"}


def test_database_refuses_an_overlap_that_skips_the_service(
    booked: Callable[..., Appointment],
) -> None:
    appt = booked("10:00")
    copy = Appointment(
        clinic=appt.clinic,
        client=appt.client,
        practitioner=appt.practitioner,
        service=appt.service,
        location=appt.location,
        start=appt.start,
        end=appt.end,
        blocked_start=appt.blocked_start,
        blocked_end=appt.blocked_end,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
    # Cancelled rows do not hold time, so they may overlap.
    copy.status, copy.cancelled_at = "cancelled", timezone.now()
    copy.save()
    assert Appointment.objects.count() == 2


def test_outside_hours_not_offered_past_and_bad_end_are_field_errors(
    owner: Persona,
    a_client: Client,
    practitioner: Persona,
    service: ServiceType,
    location: Location,
    rooms: list[Room],
    hours: None,
    monday: dt.date,
    front_desk: Persona,
) -> None:
    def attempt(**changes: Any) -> dict[str, list[str]]:
        data: dict[str, Any] = dict(
            client=a_client,
            practitioner=practitioner.member,
            service=service,
            location=location,
            start=at(monday, "10:00"),
        )
        data.update(changes)
        with pytest.raises(ValidationError) as err:
            book(actor=owner.actor, booking=Booking(**data))
        return err.value.message_dict

    assert "outside" in attempt(start=at(monday, "18:00"))["start"][0]
    assert "outside" in attempt(start=at(monday + dt.timedelta(days=5), "10:00"))["start"][0]
    assert "active practitioner" in attempt(practitioner=front_desk.member)["practitioner"][0]
    other = ServiceType.objects.create(clinic=service.clinic, name="Intro", duration_minutes=30)
    assert "does not offer" in attempt(service=other)["service"][0]
    assert (
        "past"
        in attempt(start=timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=1))[
            "start"
        ][0]
    )
    assert "after the start" in attempt(end=at(monday, "09:00"))["end"][0]
    assert (
        "whole minutes" in attempt(start=at(monday, "10:00") + dt.timedelta(seconds=5))["start"][0]
    )
    assert Appointment.objects.count() == 0


def test_time_off_blocks_booking(
    booked: Callable[..., Appointment], practitioner: Persona, monday: dt.date
) -> None:
    TimeOff.objects.create(
        practitioner=practitioner.member,
        start=at(monday, "12:00"),
        end=at(monday, "18:00"),
        reason="Dentist",
    )
    with pytest.raises(ValidationError) as err:
        booked("13:00")
    assert "away" in err.value.message_dict["start"][0]


def test_reschedule_keeps_history_and_checks_overlaps(
    booked: Callable[..., Appointment], owner: Persona, second_client: Client, monday: dt.date
) -> None:
    appt = booked("10:00")
    blocker = booked("14:00", client=second_client)
    moved = reschedule(
        actor=owner.actor, appointment=appt, start=at(monday, "11:00"), reason="Client asked"
    )
    assert moved.start == at(monday, "11:00")
    change = AppointmentChange.objects.get(appointment=appt)
    assert change.kind == "rescheduled" and change.from_start == at(monday, "10:00")
    assert change.to_start == at(monday, "11:00")
    fresh = Appointment.objects.get(pk=appt.pk)
    with pytest.raises(Conflict):
        reschedule(actor=owner.actor, appointment=fresh, start=at(monday, "14:30"))
    assert Appointment.objects.get(pk=appt.pk).start == at(monday, "11:00")
    assert blocker.start == at(monday, "14:00")


def test_cancel_frees_the_time_and_flags_late(
    booked: Callable[..., Appointment], owner: Persona, second_client: Client
) -> None:
    appt = booked("10:00")
    cancel(actor=owner.actor, appointment=appt, reason="Unwell", party="client")
    appt.refresh_from_db()
    assert appt.status == "cancelled" and appt.cancelled_late is False
    assert appt.cancelled_by == owner.user and appt.cancelled_by_party == "client"
    assert booked("10:00", client=second_client).status == "booked"


def test_status_life_cycle_allows_only_known_steps(
    booked: Callable[..., Appointment], owner: Persona
) -> None:
    appt = booked("10:00")
    change_status(actor=owner.actor, appointment=appt, status="confirmed")
    with pytest.raises(ValidationError):
        change_status(actor=owner.actor, appointment=appt, status="completed")
    with pytest.raises(ValidationError):  # not yet started
        change_status(actor=owner.actor, appointment=appt, status="no_show")
    cancel(actor=owner.actor, appointment=appt)
    with pytest.raises(ValidationError):
        change_status(actor=owner.actor, appointment=appt, status="booked")
    assert [c.to_status for c in appt.changes.all()] == ["confirmed", "cancelled"]
