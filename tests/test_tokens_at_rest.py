"""A copy of the database opens nothing: no link token, and no client's name in the job queue.

The demo is seeded, every kind of capability link is made and its e-mail is sent by the
worker from the database queue (as in production), and then every row of every table
is searched for each token the e-mails and pages carried.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sacrum.access.tokens import create_token
from sacrum.clients.models import Client
from sacrum.clinics import services as clinic_services
from sacrum.kernel.actor import StaffActor
from sacrum.kernel.mail import enqueue_message
from sacrum.notifications.services import create_feed
from sacrum.outcomes import links as outcome_links
from sacrum.outcomes.models import InstrumentDefinition
from sacrum.portal import services as portal_services
from sacrum.portal.models import PortalAccount
from sacrum.scheduling.models import AppointmentStatus, SchedulingPolicy
from sacrum.scheduling.services import online
from sacrum.screening import links as intake_links
from sacrum.waitlist import offers
from sacrum.waitlist import services as waitlist_services
from sacrum.waitlist.models import WaitlistSlot
from sacrum.web.demo import seed_demo
from sacrum.web.periodic import run_ticks
from tests.emails import emailed_token

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A Tuesday morning away from daylight-saving changes: the demo's week is predictable.
NOW = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
URL = re.compile(r"https?://[^\s)>\"]+")


def run_worker() -> None:
    call_command("worker", batch=True, no_startup_delay=True, tick_every=0, verbosity=0)


def tokens_in(bodies: list[str]) -> dict[str, str]:
    """Every long path segment of every link (the tokens), with the path before it."""
    found: dict[str, str] = {}
    for body in bodies:
        for url in URL.findall(body):
            segments = url.split("/")[3:]
            for i, segment in enumerate(segments):
                segment = segment.removesuffix(".ics")
                if len(segment) >= 32:
                    found[segment] = "/" + "/".join(segments[:i]) + "/"
    return found


def database_dump() -> str:
    """Every row of every table, every column as text."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


def staff(member: Any) -> StaffActor:
    return StaffActor(user=member.user, member=member, ip="127.0.0.1", user_agent="pytest")


def _client_without_portal(clients: list[Client]) -> Client:
    with_portal = set(PortalAccount.objects.values_list("client_id", flat=True))
    return next(c for c in clients if c.email and c.pk not in with_portal and not c.archived)


def _online_booking(clinic: Any, location: Any) -> None:
    """A new client asks for a free time online: the confirmation link is e-mailed."""
    policy = SchedulingPolicy.for_clinic(clinic.pk)
    policy.online_booking_enabled = True
    policy.online_requests_need_approval = False
    policy.save()
    service = online.online_services(clinic).first()
    assert service is not None, "the demo offers a service online"
    choice = online.Choice(service=service, location=location, practitioner=None)
    first_day = (timezone.now() + dt.timedelta(days=2)).date()
    days = online.free_slots(choice, policy, first_day, 14)
    choice.start = next(iter(days.values()))[0][0]
    online.request_booking(
        clinic=clinic,
        policy=policy,
        choice=choice,
        details=online.Details(
            new_client=True,
            email="rowan.online@example.test",
            date_of_birth=dt.date(1984, 5, 6),
            first_name="Rowan",
            last_name="Ashgrove",
            phone="0117 496 0199",
        ),
        actor=online.public_actor("203.0.113.9"),
    )


def _waitlist_offer(ctx: dict[str, Any], client: Client) -> None:
    """A client on the waiting list is offered a freed time."""
    clinic, practitioner = ctx["clinic"], ctx["members"]["practitioner"]
    location = ctx["locations"][0]
    service = online.online_services(clinic).first()
    assert service is not None
    start = timezone.now() + dt.timedelta(days=3)
    day = timezone.localtime(start).date()
    entry = waitlist_services.add_entry(
        actor=staff(ctx["members"]["owner"]),
        wish=waitlist_services.Wish(
            client=client,
            service=service,
            location=location,
            earliest_date=day,
            latest_date=day + dt.timedelta(days=7),
        ),
    )
    if entry.offers.exists():  # free time already matched: offered at once
        return
    with transaction.atomic():
        slot = WaitlistSlot.objects.create(
            clinic=clinic,
            service=service,
            location=location,
            practitioner=practitioner,
            start=start,
            end=start + dt.timedelta(minutes=service.duration_minutes),
        )
        offers.create_offer(entry=entry, slot=slot, now=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_no_link_token_and_no_client_name_is_kept_in_the_database() -> None:
    shown_on_pages: list[str] = []
    with (
        time_machine.travel(NOW, tick=True),
        override_settings(TASKS=DB_TASKS, TASK_RETENTION_DAYS=7),
    ):
        ctx = seed_demo(log=lambda *_: None)
        clinic, members = ctx["clinic"], ctx["members"]
        owner, practitioner = staff(members["owner"]), staff(members["practitioner"])
        clients = [c for c in ctx["clients"] if c.email]
        mail.outbox.clear()

        # Staff invitations, for a practitioner and for a second owner.
        clinic_services.invite(actor=owner, email="new.colleague@example.test", role="practitioner")
        clinic_services.invite(actor=owner, email="co.owner@example.test", role="owner")
        # The portal, the intake (e-mailed, and on the tablet), a questionnaire and the diary.
        portal_services.invite(actor=owner, client=_client_without_portal(clients))
        intake_links.create_link(actor=owner, client=clients[0])
        _link, tablet = intake_links.create_link(actor=owner, client=clients[1], via="tablet")
        shown_on_pages.append(f"/intake/{tablet}/")
        definitions = InstrumentDefinition.objects.filter(clinic=clinic)
        questionnaire = next(d for d in definitions if d.key != "headache-diary")
        diary = definitions.get(key="headache-diary")
        for definition in (questionnaire, diary):
            if not definition.instrument.texts_loaded:
                continue
            outcome_links.send_link(actor=practitioner, client=clients[2], definition=definition)
        # Online booking: the confirmation link, then (once confirmed) the manage link.
        _online_booking(clinic, ctx["locations"][0])
        # A waiting-list offer.
        _waitlist_offer(ctx, clients[3])
        # A calendar feed and an API token: shown once on a page, never e-mailed.
        _feed, feed_token = create_feed(actor=practitioner)
        _token, api_token = create_token(actor=practitioner, name="laptop")
        shown_on_pages += [f"/calendar-feeds/{feed_token}.ics", f"/x/{api_token}/"]

        assert mail.outbox == []  # everything waits for the worker
        queued = database_dump()
        run_worker()
        confirm = next(m for m in mail.outbox if "confirm your booking" in m.subject)
        token = confirm.body.split("/book/confirm/")[-1].split("/")[0]
        pending = online.open_request(token)
        assert pending is not None, confirm.body
        appointment = online.confirm_request(pending=pending, actor=online.public_actor(None))
        run_worker()

        sent = [str(m.body) for m in mail.outbox]
        subjects = " | ".join(str(m.subject) for m in mail.outbox)
        for expected in (
            "invited to",
            "your own page",
            "health history",
            "confirm your booking",
            "Booked",
            "a time has come free",
        ):
            assert expected in subjects, subjects
        found = tokens_in(sent) | tokens_in([f"http://x{p}" for p in shown_on_pages])
        kinds = sorted(found.values())
        for path, count in (
            ("/invitations/", 2),  # a practitioner and an owner
            ("/portal/join/", 1),
            ("/intake/", 2),  # e-mailed and tablet
            ("/q/", 1),
            ("/book/confirm/", 1),
            ("/book/manage/", 1),
            ("/waitlist/offer/", 1),
            ("/calendar-feeds/", 1),
            ("/x/", 1),  # the API token
        ):
            assert kinds.count(path) >= count, (path, kinds)
        # A signed token's random part would open it too, with the server's key.
        tokens = set(found) | {t.split(":")[0] for t in found}

        dump = queued + "\n" + database_dump()
        leaked = sorted(t for t in tokens if t in dump)
        assert leaked == [], f"raw tokens found in the database: {leaked}"

        # The job queue holds kinds and ids only: no client's name, no e-mail text.
        jobs = "\n".join(repr(row) for row in DBTaskResult.objects.values_list())
        assert DBTaskResult.objects.count() >= 8
        names = {c.first_name for c in Client.objects.all()} | {
            c.last_name for c in Client.objects.all()
        }
        # As words: a short name ("Ali") can sit inside a worker's random id by chance.
        named = sorted(
            n
            for n in names
            if n and re.search(rf"(?<![A-Za-z0-9]){re.escape(n)}(?![A-Za-z0-9])", jobs)
        )
        assert named == [], f"client names in task rows: {named}"
        assert appointment.status == AppointmentStatus.BOOKED


@pytest.mark.django_db
def test_finished_jobs_are_deleted_after_the_retention_period_by_the_tick() -> None:
    with time_machine.travel(NOW, tick=False), override_settings(TASK_RETENTION_DAYS=7):
        _finished, waiting = (
            DBTaskResult.objects.create(
                args_kwargs={"args": [], "kwargs": {"kind": "k", "ref": "1"}},
                task_path="sacrum.kernel.mail.send_message",
                backend_name="default",
                run_after=NOW,
                status=status,
                finished_at=NOW if status == "SUCCESSFUL" else None,
            )
            for status in ("SUCCESSFUL", "READY")
        )
        assert run_ticks(NOW + dt.timedelta(days=6))["web"] == {"tasks_pruned": 0}
        assert run_ticks(NOW + dt.timedelta(days=7, seconds=1))["web"] == {"tasks_pruned": 1}
        assert list(DBTaskResult.objects.all()) == [waiting]  # a job not yet sent stays


@pytest.mark.django_db
def test_a_resend_or_a_retry_after_a_failed_send_leaves_only_the_newest_link_working(
    owner: Any, a_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    link, _ = intake_links.create_link(actor=owner.actor, client=a_client)
    first = emailed_token("/intake/")
    assert intake_links.open_link(first) == link

    # The mail server refuses the re-send: the job fails, and the first link is spent.
    def refused(*_args: Any, **_kwargs: Any) -> int:
        raise ConnectionRefusedError("smtp down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMessage.send", refused)
        enqueue_message(intake_links.INTAKE_EMAIL, link.pk)
    assert len(mail.outbox) == 1 and intake_links.open_link(first) is None

    # The retry mints anew: the e-mail that arrives opens the form.
    enqueue_message(intake_links.INTAKE_EMAIL, link.pk)
    second = emailed_token("/intake/")
    assert second != first and intake_links.open_link(second) == link

    # Revoked: a later re-send sends nothing, and the last link stops.
    intake_links.revoke_link(actor=owner.actor, link=link)
    enqueue_message(intake_links.INTAKE_EMAIL, link.pk)
    assert len(mail.outbox) == 2 and intake_links.open_link(second) is None
