"""Erasing one client: remove or irreversibly pseudonymise everything the law does not
require the clinic to keep. What it does require (the clinical record) is only counted here;
``expiry.py`` removes it when the hold ends.

Every step is set-based and runs inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db.models import Q
from django_tasks_db.models import DBTaskResult

from sacrum.access.models import User
from sacrum.charting.models import Addendum, NoteStatus, SessionNote
from sacrum.clients.models import Client, ConsentSignature
from sacrum.clinics.models import Membership
from sacrum.kernel import capabilities
from sacrum.notifications.models import ReminderDelivery
from sacrum.outcomes.models import DiaryEntry, DiaryReminder, QuestionnaireLink, Response
from sacrum.plans.models import Plan
from sacrum.portal.models import PortalAccount
from sacrum.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    CancelledBy,
    ManageLink,
    OnlineRequest,
)
from sacrum.screening.models import (
    CheckIn,
    ClientAlert,
    Intake,
    IntakeLink,
    ReferralLetter,
)
from sacrum.waitlist.models import WaitlistEntry

ERASED_DOMAIN = "erased.invalid"
FREE_TEXT_ITEMS = ("string", "text", "date")


def identity_of(client: Client) -> list[str]:
    """The values that name or reach the client (what a dump must no longer show)."""
    values = [
        client.first_name,
        client.last_name,
        client.preferred_name,
        client.email,
        client.phone,
        client.address,
        client.emergency_contact_name,
        client.emergency_contact_phone,
        client.presenting_concerns,
        client.goals,
    ]
    return [v for v in values if v]


def held_counts(client: Client) -> dict[str, int]:
    """What retention keeps of the client, kind by kind."""
    notes = SessionNote.objects.filter(client=client, status=NoteStatus.SIGNED)
    return {
        "signed session notes": notes.count(),
        "addenda": Addendum.objects.filter(note__in=notes).count(),
        "consent signatures": ConsentSignature.objects.filter(client=client).count(),
        "referral letters": ReferralLetter.objects.filter(client=client).count(),
        "health-history intakes": Intake.objects.filter(client=client).count(),
        "check-ins": CheckIn.objects.filter(client=client).count(),
        "safety alerts": ClientAlert.objects.filter(client=client).count(),
        "treatment plans": Plan.objects.filter(client=client).count(),
    }


def _portal(client: Client, now: dt.datetime) -> list[str]:
    """Portal accounts go; a login used only by this client is pseudonymised and disabled.

    The user row stays (audit entries of its sign-ins point at it) but holds no name,
    no working e-mail and no password; its sessions, addresses and 2FA keys are deleted.
    """
    accounts = PortalAccount.objects.filter(client=client)
    user_ids = {u for u in accounts.values_list("user_id", flat=True) if u}
    if client.portal_user_id:
        user_ids.add(client.portal_user_id)
    emails = [client.email, *accounts.values_list("email", flat=True)]
    accounts.delete()
    staff = set(Membership.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True))
    users = list(User.objects.filter(pk__in=user_ids - staff))
    for user in users:
        emails.append(user.email)
        user.email = f"erased-{user.pk.hex}@{ERASED_DOMAIN}"
        user.username = user.email
        user.full_name = ""
        user.first_name = ""
        user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    ids = {str(u.pk) for u in users}
    EmailAddress.objects.filter(user_id__in=ids).delete()
    Authenticator.objects.filter(user_id__in=ids).delete()
    _end_sessions(ids)
    _forget_sign_in_attempts([e for e in emails if e])
    return sorted(ids)


def _end_sessions(user_ids: set[str]) -> None:
    if not user_ids:
        return
    doomed = [
        s.session_key
        for s in Session.objects.all().iterator()
        if str(s.get_decoded().get("_auth_user_id", "")) in user_ids
    ]
    Session.objects.filter(session_key__in=doomed).delete()


def _forget_sign_in_attempts(emails: list[str]) -> None:
    match = Q()
    for email in emails:
        match |= Q(username__iexact=email)
    if emails:
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            model.objects.filter(match).delete()


def _links(client: Client, now: dt.datetime) -> None:
    """Every link the client was sent stops working and forgets where it went."""
    IntakeLink.objects.filter(client=client).delete()
    for link in QuestionnaireLink.objects.filter(client=client).only("pk"):
        QuestionnaireLink.objects.filter(pk=link.pk).update(
            token_digest=capabilities.placeholder(), sent_to="", expires_at=now
        )
    ManageLink.objects.filter(appointment__client=client).delete()
    DiaryReminder.objects.filter(client=client).delete()


def _online_requests(emails: list[str], clinic_id: Any) -> None:
    match = Q()
    for email in emails:
        match |= Q(email__iexact=email)
    if emails:
        OnlineRequest.objects.filter(match, clinic_id=clinic_id).delete()


def _appointments(client: Client, now: dt.datetime) -> None:
    """Visits stay (they are the practice's statistics) without their notes; coming ones are
    cancelled, so the time is free again; their reminders and waiting-list rows go."""
    visits = Appointment.objects.filter(client=client)
    visits.filter(start__gt=now, status__in=ACTIVE_STATUSES).update(
        status=AppointmentStatus.CANCELLED,
        cancelled_at=now,
        cancelled_by_party=CancelledBy.CLINIC,
        cancelled_late=False,
        updated_at=now,
    )
    visits.update(front_desk_note="", cancellation_reason="")
    AppointmentChange.objects.filter(appointment__client=client).update(reason="")
    ReminderDelivery.objects.filter(appointment__client=client).delete()
    WaitlistEntry.objects.filter(client=client).delete()


def _free_text_items(definition: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    stack = list(definition.get("item", []))
    while stack:
        item = stack.pop()
        if item.get("type") in FREE_TEXT_ITEMS:
            found.add(item.get("linkId", ""))
        stack.extend(item.get("item", []))
    return found


def _outcomes(client: Client) -> None:
    """Scores stay for the practice's curves; the client's own words go."""
    DiaryEntry.objects.filter(client=client).exclude(note="").update(note="")
    for response in Response.objects.filter(client=client).select_related("definition"):
        words = _free_text_items(response.definition.definition)
        kept = {k: v for k, v in response.answers.items() if k not in words}
        if kept != response.answers:
            Response.objects.filter(pk=response.pk).update(answers=kept)


def _drafts(client: Client) -> None:
    """An unsigned draft is not part of the record."""
    for note in SessionNote.objects.filter(client=client, status=NoteStatus.DRAFT):
        note.delete()


def _jobs_and_admin_log(client: Client, needles: list[str], user_ids: list[str]) -> None:
    """Queued or finished jobs that name one of the client's rows, and admin history."""
    needles = [n for n in needles if n]
    doomed = [
        job.pk
        for job in DBTaskResult.objects.all().iterator()
        if any(n in json.dumps(job.args_kwargs, default=str) for n in needles)
    ]
    DBTaskResult.objects.filter(pk__in=doomed).delete()
    client_type = ContentType.objects.get_for_model(Client)
    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.filter(
        Q(content_type=client_type, object_id=str(client.pk))
        | Q(content_type=user_type, object_id__in=user_ids)
        | Q(object_repr__icontains=f"{client.first_name} {client.last_name}")
    ).delete()


def _row_ids(client: Client) -> list[str]:
    """Ids a queued e-mail job may carry for this client."""
    ids = [str(client.pk)]
    ids += [str(i) for i in Appointment.objects.filter(client=client).values_list("pk", flat=True)]
    ids += [
        str(i)
        for i in ReminderDelivery.objects.filter(appointment__client=client).values_list(
            "pk", flat=True
        )
    ]
    for model in (PortalAccount, IntakeLink, QuestionnaireLink, WaitlistEntry, ReferralLetter):
        ids += [str(i) for i in model.objects.filter(client=client).values_list("pk", flat=True)]
    ids += [
        str(i)
        for i in ManageLink.objects.filter(appointment__client=client).values_list("pk", flat=True)
    ]
    return ids


def pseudonymise(client: Client, *, reference: str, now: dt.datetime) -> None:
    """Remove what identifies ``client`` outside the held clinical record."""
    needles = _row_ids(client) + [e for e in (client.email,) if e]
    emails = [client.email] if client.email else []
    user_ids = _portal(client, now)
    _online_requests(emails, client.clinic_id)
    _links(client, now)
    _appointments(client, now)
    _outcomes(client)
    _drafts(client)
    _jobs_and_admin_log(client, needles, user_ids)
    dob = client.date_of_birth
    Client.objects.filter(pk=client.pk).update(
        first_name="Erased",
        last_name=reference,
        preferred_name="",
        pronouns="",
        date_of_birth=dob.replace(month=1, day=1),
        email="",
        phone="",
        address="",
        emergency_contact_name="",
        emergency_contact_relationship="",
        emergency_contact_phone="",
        physician_name="",
        physician_practice="",
        physician_phone="",
        physician_email="",
        preferred_language="",
        presenting_concerns="",
        goals="",
        portal_user=None,
        archived=True,
        erased_at=now,
        updated_at=now,
    )
