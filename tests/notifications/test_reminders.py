"""Reminders through a real SMTP server: once per offset, none after cancelling, retried, DST-right."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from sacrum.notifications import reminders
from sacrum.notifications.models import (
    MAX_ATTEMPTS,
    DeliveryState,
    ReminderDelivery,
    ReminderPolicy,
)
from sacrum.notifications.periodic import tick
from sacrum.scheduling.services.booking import cancel, reschedule
from sacrum.web.periodic import run_ticks
from tests.notifications.conftest import SmtpServer, local

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
START = local("2026-06-16", "10:00", "Europe/Berlin")  # a Tuesday, CEST


def states(appointment: Any) -> dict[int, str]:
    return {
        d.offset_minutes: d.state for d in ReminderDelivery.objects.filter(appointment=appointment)
    }


def test_exactly_one_email_per_offset_across_repeated_ticks(
    smtp: SmtpServer, appointment_at: Any, profile: Any
) -> None:
    appointment = appointment_at(START)
    for now in (START - 49 * H, START - 48 * H - M):
        tick(now)
    assert smtp.messages == []

    for now in (START - 48 * H, START - 48 * H, START - 47 * H, START - 30 * H, START - 3 * H):
        tick(now)
    assert len(smtp.messages) == 1

    for now in (START - 2 * H, START - 2 * H + M, START - H, START - M, START, START + H):
        tick(now)
    assert len(smtp.messages) == 2
    assert [m["To"] for m in smtp.messages] == ["ada@example.test", "ada@example.test"]
    assert states(appointment) == {2880: DeliveryState.SENT, 120: DeliveryState.SENT}
    sent = ReminderDelivery.objects.get(appointment=appointment, offset_minutes=2880)
    assert sent.sent_at == START - 48 * H
    assert sent.attempts == 1


def test_the_email_says_when_what_who_where_in_local_time_and_nothing_clinical(
    smtp: SmtpServer, appointment_at: Any, profile: Any, a_client: Any
) -> None:
    appointment_at(START, note="Use the side door")
    tick(START - 2 * H)
    (message,) = smtp.messages
    body = smtp.inbox.bodies()[0]
    assert "Tuesday 16 June 2026, 10:00\u201310:50 CEST (Europe/Berlin)" in body
    assert "Craniosacral session" in body
    assert "Pat Palmer" in body
    assert "Prenzlauer Berg, Kastanienallee 12, Berlin" in body
    assert "Hello Ada" in body
    assert message["Subject"] == "Reminder: Craniosacral session on Tue 16 Jun, 10:00 CEST"
    assert a_client.presenting_concerns not in body
    assert "headache" not in body.lower()
    assert "side door" not in body


def test_no_reminder_after_cancellation(smtp: SmtpServer, appointment_at: Any, owner: Any) -> None:
    appointment = appointment_at(START)
    tick(START - 48 * H)
    assert len(smtp.messages) == 1
    cancel(actor=owner.actor, appointment=appointment, reason="Client is travelling")
    for now in (START - 2 * H, START - H):
        tick(now)
    assert len(smtp.messages) == 1
    assert 120 not in states(appointment)


def test_a_waiting_retry_is_withdrawn_when_the_appointment_is_cancelled(
    smtp: SmtpServer, appointment_at: Any, owner: Any
) -> None:
    appointment = appointment_at(START)
    smtp.stop()
    tick(START - 2 * H)  # refused: waits for a retry
    assert states(appointment)[120] == DeliveryState.PENDING
    cancel(actor=owner.actor, appointment=appointment)
    smtp.start()
    tick(START - 2 * H + 10 * M)
    assert smtp.messages == []
    assert states(appointment)[120] == DeliveryState.CANCELLED


def test_retried_after_a_refused_connection_and_sent_once(
    smtp: SmtpServer, appointment_at: Any
) -> None:
    appointment = appointment_at(START)
    smtp.stop()  # nothing listens: the connection is refused
    first = tick(START - 48 * H)
    assert first["failed"] == 1
    delivery = ReminderDelivery.objects.get(appointment=appointment)
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert delivery.next_attempt_at == START - 48 * H + 5 * M
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()

    smtp.start()
    tick(START - 48 * H + M)  # not yet: the back-off holds
    assert smtp.messages == []
    tick(START - 48 * H + 5 * M)
    tick(START - 48 * H + 5 * M)
    tick(START - 48 * H + 10 * M)
    assert len(smtp.messages) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 2, "")


def test_gives_up_after_the_last_attempt(smtp: SmtpServer, appointment_at: Any) -> None:
    appointment = appointment_at(START)
    smtp.stop()
    now = START - 48 * H
    for _ in range(MAX_ATTEMPTS + 2):
        tick(now)
        delivery = ReminderDelivery.objects.get(appointment=appointment)
        if delivery.next_attempt_at:
            now = delivery.next_attempt_at
    delivery.refresh_from_db()
    assert (delivery.state, delivery.reason, delivery.attempts) == (
        "failed",
        "gave_up",
        MAX_ATTEMPTS,
    )
    assert [reminders.backoff(n) for n in (1, 2, 3, 4)] == [5 * M, 10 * M, 20 * M, 40 * M]


def test_an_offset_already_past_at_booking_is_not_sent_late(
    smtp: SmtpServer, appointment_at: Any
) -> None:
    appointment = appointment_at(START, booked_at=START - 5 * H)
    tick(START - 5 * H)
    assert smtp.messages == []
    assert ReminderDelivery.objects.get(appointment=appointment).reason == "booked_late"
    tick(START - 2 * H)
    assert len(smtp.messages) == 1
    assert "10:00" in smtp.messages[0]["Subject"]


def test_after_a_stopped_worker_only_the_nearest_reminder_goes(
    smtp: SmtpServer, appointment_at: Any
) -> None:
    appointment = appointment_at(START)
    tick(START - 90 * M)  # the worker was down for two days
    assert len(smtp.messages) == 1
    assert states(appointment) == {2880: "skipped", 120: "sent"}


def test_a_moved_appointment_is_reminded_of_its_new_time(
    smtp: SmtpServer, appointment_at: Any, owner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    appointment = appointment_at(START)
    tick(START - 48 * H)
    # The booking service checks hours and the clock; here only the move itself matters.
    monkeypatch.setattr("sacrum.scheduling.services.booking._check_hours", lambda a: None)
    monkeypatch.setattr("sacrum.scheduling.services.booking._validate_times", lambda a: None)
    later = START + 24 * H
    reschedule(actor=owner.actor, appointment=appointment, start=later)
    # Moved well before the new 48 h moment: the new time gets its own reminders.
    appointment.changes.update(changed_at=START - 47 * H)
    tick(later - 48 * H)
    tick(later - 2 * H)
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects == [
        "Reminder: Craniosacral session on Tue 16 Jun, 10:00 CEST",
        "Reminder: Craniosacral session on Wed 17 Jun, 10:00 CEST",
        "Reminder: Craniosacral session on Wed 17 Jun, 10:00 CEST",
    ]


def test_clinic_settings_are_followed(smtp: SmtpServer, appointment_at: Any, clinic: Any) -> None:
    policy = ReminderPolicy.objects.create(clinic=clinic, enabled=True, offsets_minutes=[24 * 60])
    appointment = appointment_at(START)
    tick(START - 48 * H)
    tick(START - 25 * H)
    assert smtp.messages == []
    tick(START - 24 * H)
    tick(START - 2 * H)
    assert len(smtp.messages) == 1
    policy.enabled = False
    policy.save()
    other = appointment_at(START + 48 * H)
    tick(START + 24 * H)
    assert len(smtp.messages) == 1
    assert states(other) == {}
    assert states(appointment) == {1440: "sent"}


def test_no_email_address_means_no_reminder(
    smtp: SmtpServer, appointment_at: Any, a_client: Any
) -> None:
    a_client.email = ""
    a_client.save()
    appointment = appointment_at(START)
    tick(START - 2 * H)
    assert smtp.messages == []
    assert ReminderDelivery.objects.get(appointment=appointment, offset_minutes=120).reason == (
        "no_email"
    )


def test_two_workers_cannot_both_send(smtp: SmtpServer, appointment_at: Any) -> None:
    appointment = appointment_at(START)
    now = START - 48 * H
    assert reminders.plan(now) == 1
    assert reminders.plan(now) == 0  # the second worker plans nothing new
    delivery = ReminderDelivery.objects.get(appointment=appointment)
    assert reminders._claim(delivery, now) is True
    assert reminders._claim(delivery, now) is False  # the other worker's claim fails
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderDelivery.objects.create(
            clinic=appointment.clinic,
            appointment=appointment,
            offset_minutes=2880,
            appointment_start=START,
            due_at=now,
        )
    # A claim left behind by a worker that died mid-send is not resent.
    reminders.send_due(now + 11 * M)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.reason) == ("failed", "interrupted")
    assert smtp.messages == []


def test_the_worker_hook_runs_the_reminders(smtp: SmtpServer, appointment_at: Any) -> None:
    appointment_at(START)
    result = run_ticks(START - 2 * H)
    assert result["notifications"]["sent"] == 1
    assert len(smtp.messages) == 1


# --- daylight-saving changes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hhmm", "offset", "expected_due_utc", "shown"),
    [
        # Berlin springs forward on Sunday 29 March 2026 at 02:00 (CET → CEST).
        (
            "2026-03-30",
            "10:00",
            48,
            "2026-03-28T08:00",
            "Monday 30 March 2026, 10:00\u201310:50 CEST",
        ),
        (
            "2026-03-29",
            "10:00",
            2,
            "2026-03-29T06:00",
            "Sunday 29 March 2026, 10:00\u201310:50 CEST",
        ),
        (
            "2026-03-28",
            "10:00",
            2,
            "2026-03-28T07:00",
            "Saturday 28 March 2026, 10:00\u201310:50 CET",
        ),
    ],
)
def test_berlin_spring_forward(
    smtp: SmtpServer,
    appointment_at: Any,
    clinic: Any,
    day: str,
    hhmm: str,
    offset: int,
    expected_due_utc: str,
    shown: str,
) -> None:
    ReminderPolicy.objects.create(clinic=clinic, offsets_minutes=[offset * 60])
    start = local(day, hhmm, "Europe/Berlin")
    appointment_at(start)
    due = dt.datetime.fromisoformat(expected_due_utc).replace(tzinfo=dt.UTC)
    assert start - due == dt.timedelta(hours=offset)  # real elapsed hours, not wall-clock
    tick(due - M)
    assert smtp.messages == []
    tick(due)
    assert len(smtp.messages) == 1
    assert f"{shown} (Europe/Berlin)" in smtp.inbox.bodies()[0]


@pytest.mark.parametrize(
    ("day", "hhmm", "offset", "expected_due_utc", "shown"),
    [
        # New York falls back on Sunday 1 November 2026 at 02:00 (EDT → EST).
        (
            "2026-11-02",
            "09:00",
            48,
            "2026-10-31T14:00",
            "Monday 2 November 2026, 09:00\u201309:50 EST",
        ),
        (
            "2026-11-01",
            "10:00",
            2,
            "2026-11-01T13:00",
            "Sunday 1 November 2026, 10:00\u201310:50 EST",
        ),
        (
            "2026-10-31",
            "10:00",
            2,
            "2026-10-31T12:00",
            "Saturday 31 October 2026, 10:00\u201310:50 EDT",
        ),
    ],
)
def test_new_york_fall_back(
    smtp: SmtpServer,
    appointment_at: Any,
    clinic: Any,
    new_york: Any,
    day: str,
    hhmm: str,
    offset: int,
    expected_due_utc: str,
    shown: str,
) -> None:
    ReminderPolicy.objects.create(clinic=clinic, offsets_minutes=[offset * 60])
    start = local(day, hhmm, "America/New_York")
    appointment_at(start, location=new_york)
    due = dt.datetime.fromisoformat(expected_due_utc).replace(tzinfo=dt.UTC)
    assert start - due == dt.timedelta(hours=offset)
    tick(due - M)
    assert smtp.messages == []
    tick(due)
    assert len(smtp.messages) == 1
    assert f"{shown} (America/New_York)" in smtp.inbox.bodies()[0]


def test_the_email_comes_in_the_clinics_name_with_an_html_part(
    smtp: SmtpServer, appointment_at: Any, profile: Any, clinic: Any
) -> None:
    """Plain text first and the same words as HTML, from the clinic's name, closed with its
    address; the server's own address stays the sender, so mail servers accept it."""
    clinic.name = "Stillwater <Practice> & Co"
    clinic.phone = "+49 30 1234567"
    clinic.save()
    appointment_at(START)
    tick(START - 2 * H)
    (message,) = smtp.messages
    assert message["From"].startswith('"Stillwater <Practice> & Co" <')
    assert message.get_content_type() == "multipart/alternative"
    text, html = (
        part.get_payload(decode=True).decode()  # type: ignore[union-attr]
        for part in message.get_payload()
    )
    assert "Hello Ada" in text and "+49 30 1234567" in text
    assert "Kastanienallee 12" in text
    assert "Hello Ada" in html and "+49 30 1234567" in html
    assert "Stillwater &lt;Practice&gt; &amp; Co" in html
    assert "<Practice>" not in html
