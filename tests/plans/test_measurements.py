"""The measurement schedule carried out by the worker: e-mailed once with a working link,
one reminder, done when answered (through the link or in the room), every N sessions,
and the daily diary e-mail at the client's chosen local time."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.utils import timezone

from sacrum.kernel.errors import Forbidden
from sacrum.outcomes import reminders
from sacrum.outcomes import services as outcome_services
from sacrum.outcomes.models import (
    DiaryReminderSent,
    InstrumentDefinition,
    QuestionnaireLink,
    Response,
)
from sacrum.plans import measurements, periodic
from sacrum.plans.models import Measurement
from sacrum.scheduling.local_time import to_utc, zone
from tests.plans.conftest import attended

pytestmark = pytest.mark.django_db


def token_in(message: Any) -> str:
    match = re.search(r"/q/([^/\s]+)/", message.body)
    assert match, message.body
    return match.group(1)


def test_a_due_baseline_is_emailed_once_with_a_working_link(plan: Any, client: Any) -> None:
    baseline = Measurement.objects.get(plan=plan)
    assert baseline.occasion == "baseline" and baseline.state == "due"
    now = timezone.now()
    for minute in range(3):  # the worker runs every minute; a second worker may overlap
        periodic.tick(now + dt.timedelta(minutes=minute))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.test"] and "pain" not in message.body.lower()
    baseline.refresh_from_db()
    assert baseline.state == "sent" and baseline.link is not None
    assert baseline.link.occasion == "baseline"

    url = f"/q/{token_in(message)}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"item_pain": "6"}).status_code == 200
    periodic.tick(now + dt.timedelta(minutes=5))
    baseline.refresh_from_db()
    response = Response.objects.get(client=plan.client)
    assert baseline.state == "done" and baseline.response == response
    assert response.occasion == "baseline" and response.total == 6
    periodic.tick(now + dt.timedelta(days=4))
    assert len(mail.outbox) == 1  # done: no reminder


def test_one_reminder_after_three_days_then_done(plan: Any, client: Any) -> None:
    now = timezone.now()
    periodic.tick(now)
    periodic.tick(now + dt.timedelta(days=2))
    assert len(mail.outbox) == 1
    periodic.tick(now + dt.timedelta(days=3, minutes=1))
    periodic.tick(now + dt.timedelta(days=3, minutes=2))
    assert len(mail.outbox) == 2
    reminder = mail.outbox[1]
    assert "reminder" in reminder.subject.lower() and "reminds you" in reminder.body
    m = Measurement.objects.get(plan=plan)
    assert m.state == "reminded" and m.reminder_link is not None
    first, second = token_in(mail.outbox[0]), token_in(reminder)
    assert first != second
    assert client.post(f"/q/{second}/", {"item_pain": "3"}).status_code == 200
    periodic.tick(now + dt.timedelta(days=3, minutes=3))
    m.refresh_from_db()
    assert m.state == "done"
    # The other link closes once the measurement is done: one answer per measurement.
    assert client.get(f"/q/{first}/").status_code == 410
    periodic.tick(now + dt.timedelta(days=9))
    assert len(mail.outbox) == 2


def test_filled_in_the_room_counts_and_nothing_is_emailed(
    plan: Any, practitioner: Any, definitions: Any
) -> None:
    outcome_services.record_response(
        actor=practitioner.actor,
        client=plan.client,
        definition=definitions["pain-nrs"],
        answers={"pain": 5},
        occasion="baseline",
    )
    periodic.tick(timezone.now())
    m = Measurement.objects.get(plan=plan)
    assert m.state == "done" and m.response is not None
    assert mail.outbox == []


def test_a_response_completes_one_measurement_only(plan: Any, practitioner: Any) -> None:
    m = Measurement.objects.get(plan=plan)
    other = Measurement.objects.create(
        clinic=plan.clinic,
        plan=plan,
        client=plan.client,
        instrument_key="pain-nrs",
        occasion="session",
        sequence=2,
        due_at=timezone.now(),
    )
    response = outcome_services.record_response(
        actor=practitioner.actor,
        client=plan.client,
        definition=InstrumentDefinition.objects.get(clinic=plan.clinic, key="pain-nrs"),
        answers={"pain": 5},
    )
    measurements.reconcile(timezone.now())
    done = Measurement.objects.filter(pk__in=[m.pk, other.pk], done_at__isnull=False)
    assert done.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Measurement.objects.filter(pk=other.pk).update(response=response)


def test_no_email_address_is_kept_as_a_problem_and_retried_daily(plan: Any) -> None:
    type(plan.client).objects.filter(pk=plan.client_id).update(email="")
    now = timezone.now()
    periodic.tick(now)
    periodic.tick(now + dt.timedelta(minutes=1))
    m = Measurement.objects.get(plan=plan)
    assert m.state == "due" and "e-mail" in m.problem and mail.outbox == []
    assert m.problem_at is not None and m.problem_at <= now + dt.timedelta(seconds=1)


def test_every_n_sessions_opens_one_measurement_per_multiple(
    plan: Any, service: Any, location: Any
) -> None:
    type(plan).objects.filter(pk=plan.pk).update(start_date=dt.date.today() - dt.timedelta(days=40))
    Measurement.objects.filter(plan=plan).update(done_at=timezone.now())  # baseline done
    attended(plan, service, location, [30])
    periodic.tick(timezone.now())
    assert not Measurement.objects.filter(plan=plan, occasion="session").exists()
    attended(plan, service, location, [20, 10])  # sessions 2 and 3
    periodic.tick(timezone.now())
    periodic.tick(timezone.now())
    session = Measurement.objects.get(plan=plan, occasion="session")
    assert session.sequence == 2 and session.state == "sent"
    assert len(mail.outbox) == 1
    attended(plan, service, location, [5])  # session 4
    periodic.tick(timezone.now())
    assert list(
        Measurement.objects.filter(plan=plan, occasion="session").values_list("sequence", flat=True)
    ) == [2, 4]


def test_stale_measurements_are_not_emailed(plan: Any) -> None:
    Measurement.objects.filter(plan=plan).update(due_at=timezone.now() - dt.timedelta(days=20))
    periodic.tick(timezone.now())
    assert mail.outbox == []
    overdue = measurements.overdue(Measurement.objects.all(), timezone.now())
    assert overdue.count() == 1


# --- Diary reminders -----------------------------------------------------------------


def london(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = map(int, hhmm.split(":"))
    return to_utc(day, dt.time(hour, minute), zone("Europe/London"))


def test_the_diary_email_goes_at_the_chosen_local_time_once_a_day(
    a_client: Any, practitioner: Any, definitions: Any, client: Any
) -> None:
    reminders.set_diary_reminder(actor=practitioner.actor, client=a_client, local_time=dt.time(20))
    day = timezone.localdate() + dt.timedelta(days=1)
    reminders.send_diary_reminders(london(day, "19:59"))
    assert mail.outbox == []
    for hhmm in ("20:00", "20:01", "23:30"):
        reminders.send_diary_reminders(london(day, hhmm))
    assert len(mail.outbox) == 1 and "diary" in mail.outbox[0].subject
    link = QuestionnaireLink.objects.get(kind="diary")
    assert link.expires_at - link.created_at <= dt.timedelta(days=2, minutes=1)
    assert client.get(f"/q/{token_in(mail.outbox[0])}/").status_code == 200
    reminders.send_diary_reminders(london(day + dt.timedelta(days=1), "07:00"))
    assert len(mail.outbox) == 1
    reminders.send_diary_reminders(london(day + dt.timedelta(days=1), "20:05"))
    assert len(mail.outbox) == 2
    assert DiaryReminderSent.objects.count() == 2


def test_the_diary_email_keeps_local_time_across_the_clock_change(
    a_client: Any, practitioner: Any, definitions: Any
) -> None:
    """Europe/London goes forward on the last Sunday of March: 07:30 stays 07:30 local."""
    reminders.set_diary_reminder(
        actor=practitioner.actor, client=a_client, local_time=dt.time(7, 30)
    )
    year = timezone.localdate().year + 1
    change = max(dt.date(year, 3, d) for d in range(25, 32) if dt.date(year, 3, d).weekday() == 6)
    before, after = change - dt.timedelta(days=1), change + dt.timedelta(days=1)
    # 07:30 local is 07:30 UTC before the change and 06:30 UTC after it.
    assert london(before, "07:30").hour == 7 and london(after, "07:30").hour == 6
    reminders.send_diary_reminders(london(before, "07:29"))
    reminders.send_diary_reminders(london(before, "07:30"))
    assert len(mail.outbox) == 1
    reminders.send_diary_reminders(london(after, "07:29"))
    assert len(mail.outbox) == 1
    reminders.send_diary_reminders(london(after, "07:30"))
    assert len(mail.outbox) == 2


def test_a_diary_reminder_needs_an_email_address(a_client: Any, practitioner: Any) -> None:
    type(a_client).objects.filter(pk=a_client.pk).update(email="")
    a_client.refresh_from_db()
    with pytest.raises(Exception, match="e-mail"):
        reminders.set_diary_reminder(
            actor=practitioner.actor, client=a_client, local_time=dt.time(8)
        )


def test_the_front_desk_cannot_set_a_diary_reminder(a_client: Any, front_desk: Any) -> None:
    with pytest.raises(Forbidden):
        reminders.set_diary_reminder(actor=front_desk.actor, client=a_client, local_time=dt.time(8))


def test_other_clinics_reminders_do_not_interfere(
    a_client: Any, practitioner: Any, definitions: Any, outsider: Any
) -> None:
    reminders.set_diary_reminder(actor=practitioner.actor, client=a_client, local_time=dt.time(9))
    with pytest.raises(Exception, match="another clinic"):
        reminders.set_diary_reminder(actor=outsider.actor, client=a_client, local_time=dt.time(9))
    assert HttpClient().get("/q/nothing/").status_code == 404
